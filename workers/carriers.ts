// The carriers the OMS speaks to in their own protocol (OMS_CARRIER_CONNECTORS): each one's connector pointed at its
// configured base URL, or, when none is configured, at its built-in simulator started here on a free loopback port.
// Carriers not named keep the in-process carrier simulator (integrations/simulators.ts).
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { CARRIER_TRACKING_WORKFLOW_TYPE, carrierTrackingScheduleId } from '../contract/workflow';
import { CARRIERS, type Carrier } from '../contract/types';
import type { CarrierProtocol } from '../integrations/carrier-protocol';
import { createArasCarrier } from '../integrations/aras/carrier';
import { createMngCarrier } from '../integrations/mng/carrier';
import { startArasSimulator } from '../integrations/sim/aras';
import { MNG_BASE_PATH, startMngSimulator } from '../integrations/sim/mng';
import { startYurticiSimulator } from '../integrations/sim/yurtici';
import { createYurticiClient } from '../integrations/yurtici/carrier';
import { yurticiProtocol } from '../integrations/yurtici/protocol';
import type { AppConfig } from './config';

export interface CarrierSimulators {
  yurtici?: Awaited<ReturnType<typeof startYurticiSimulator>>;
  aras?: Awaited<ReturnType<typeof startArasSimulator>>;
  mng?: Awaited<ReturnType<typeof startMngSimulator>>;
}

export interface RunningCarriers {
  protocols: Partial<Record<Carrier, CarrierProtocol>>;
  simulators: CarrierSimulators;
  close(): Promise<void>;
}

export async function startCarriers(config: AppConfig): Promise<RunningCarriers> {
  const c = config.carriers;
  const protocols: RunningCarriers['protocols'] = {};
  const simulators: CarrierSimulators = {};
  const closers: (() => Promise<void>)[] = [];
  const pace = c.simPaceMs;
  try {
    for (const carrier of c.connectors) {
      if (carrier === 'yurtici') {
        let baseUrl = c.yurtici.baseUrl;
        if (!baseUrl) {
          const sim = await startYurticiSimulator({
            port: 0,
            accounts: [
              { user: c.yurtici.username, password: c.yurtici.password, paymentType: 'sender' },
              ...(c.yurtici.cod ? [{ user: c.yurtici.cod.username, password: c.yurtici.cod.password, paymentType: 'receiver' as const }] : []),
            ],
            progressMs: { issue: pace.pickedUp, inDelivery: pace.inDelivery, delivered: pace.delivered },
          });
          simulators.yurtici = sim;
          closers.push(() => sim.close());
          baseUrl = sim.url;
        }
        const cod = c.yurtici.cod ? { user: c.yurtici.cod.username, password: c.yurtici.cod.password } : undefined;
        protocols.yurtici = yurticiProtocol(createYurticiClient({ baseUrl, user: c.yurtici.username, password: c.yurtici.password, cod }));
      } else if (carrier === 'aras') {
        const a = c.aras;
        let baseUrl = a.baseUrl;
        if (!baseUrl && !(a.orderUrl && a.queryUrl)) {
          // [choice] Aras's steps are evenly spaced in its simulator: the pace's delivery time over its four steps.
          const sim = await startArasSimulator({ port: 0, accounts: [a], stepMs: Math.max(1, Math.round(pace.delivered / 4)) });
          simulators.aras = sim;
          closers.push(() => sim.close());
          baseUrl = sim.url;
        }
        protocols.aras = createArasCarrier({
          baseUrl: baseUrl ?? a.orderUrl!,
          ...(a.orderUrl ? { orderServiceUrl: a.orderUrl } : {}),
          ...(a.queryUrl ? { queryServiceUrl: a.queryUrl } : {}),
          username: a.username,
          password: a.password,
          queryUsername: a.queryUsername,
          queryPassword: a.queryPassword,
          customerCode: a.customerCode,
        });
      } else {
        const m = c.mng;
        let baseUrl = m.baseUrl;
        if (!baseUrl) {
          const step = (pace.delivered - pace.inDelivery) / 3;
          const sim = await startMngSimulator({
            port: 0,
            clientId: m.clientId,
            clientSecret: m.clientSecret,
            accounts: [{ customerNumber: m.customerNumber, password: m.password }],
            progressMs: {
              pickedUp: pace.pickedUp,
              inTransfer: pace.inDelivery,
              atDeliveryUnit: Math.round(pace.inDelivery + step),
              outForDelivery: Math.round(pace.inDelivery + 2 * step),
              delivered: pace.delivered,
            },
          });
          simulators.mng = sim;
          closers.push(() => sim.close());
          baseUrl = `${sim.url}${MNG_BASE_PATH}`;
        }
        protocols.mng = createMngCarrier({ baseUrl, clientId: m.clientId, clientSecret: m.clientSecret, customerNumber: m.customerNumber, password: m.password });
      }
    }
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw err;
  }
  return {
    protocols,
    simulators,
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    },
  };
}

/**
 * One Temporal Schedule per connected carrier, sweeping its open shipments every `pollMs` (overlap SKIP: a slow
 * sweep is never run twice at once). An existing schedule (an earlier start, another worker) gets the configured
 * interval; a carrier no longer connected has its schedule paused, not deleted, so its history stays inspectable.
 */
export async function ensureTrackingSchedules(client: Client, config: AppConfig, taskQueue: string, connected: Carrier[]): Promise<void> {
  const spec = { intervals: [{ every: config.carriers.pollMs }] };
  for (const carrier of connected) {
    const scheduleId = carrierTrackingScheduleId(carrier);
    try {
      await client.schedule.create({
        scheduleId,
        spec,
        action: { type: 'startWorkflow', workflowType: CARRIER_TRACKING_WORKFLOW_TYPE, workflowId: scheduleId, args: [{ carrier }], taskQueue },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(scheduleId).update((previous) => ({
        ...previous,
        spec,
        action: { ...previous.action, type: 'startWorkflow', workflowType: CARRIER_TRACKING_WORKFLOW_TYPE, workflowId: scheduleId, args: [{ carrier }], taskQueue },
        state: { ...previous.state, paused: false },
      }));
    }
  }
  for (const carrier of CARRIERS.filter((c) => !connected.includes(c))) {
    const handle = client.schedule.getHandle(carrierTrackingScheduleId(carrier));
    try {
      const described = await handle.describe();
      if (!described.state.paused) await handle.pause(`${carrier} is not in OMS_CARRIER_CONNECTORS`);
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
}
