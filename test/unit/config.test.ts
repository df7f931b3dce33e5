import { DEFAULT_TIMERS } from '../../contract/config';
import {
  ConfigError,
  DEFAULT_DATABASE_URL,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  DEV_API_KEYS,
  DEV_OPERATOR_KEY,
  DEV_WEBHOOK_SECRET,
  describeDevDefaults,
  loadConfig,
} from '../../workers/config';

function problemsOf(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('runs out of the box on documented dev defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe(DEFAULT_DATABASE_URL);
    expect(config.databaseUrl).toMatch(/^sqlite:.*\.data[\\/]oms\.sqlite$/);
    expect(config.temporal).toEqual({ address: null, namespace: 'default', uiPort: 8233, uiUrl: 'http://127.0.0.1:8233' });
    expect(Object.keys(config.apiKeys).sort()).toEqual(
      ['b2b', 'callcenter', 'hepsiburada', 'n11', 'store', 'trendyol', 'webstore'].sort(),
    );
    expect(config.apiKeys).toEqual(DEV_API_KEYS);
    expect(config.operatorKeys).toEqual([{ name: 'operator', key: DEV_OPERATOR_KEY }]);
    expect(config.webhookSecret).toBe(DEV_WEBHOOK_SECRET);
    expect(config.bodyLimit).toBe('1mb');
    expect(config.defaultCarrier).toBe('yurtici');
    expect(config.timers).toEqual(DEFAULT_TIMERS);
    expect(config.simFaults).toBe('');
    expect(config.usingDevDefaults).toEqual({
      apiKeys: true,
      operatorKeys: true,
      webhookSecret: true,
      databaseUrl: true,
      trendyolWebhook: true,
    });
  });

  it('prints the dev keys at start-up only while they are in use', () => {
    const banner = describeDevDefaults(loadConfig({})).join('\n');
    expect(banner).toContain('Using DEV Trendyol webhook credentials (set TRENDYOL_WEBHOOK_USERNAME/_PASSWORD to replace): trendyol-webhook:dev-trendyol-webhook-password');
    expect(describeDevDefaults(loadConfig({ TRENDYOL_WEBHOOK_PASSWORD: 'a-real-password-123' })).join('\n')).not.toContain('Trendyol webhook');
    expect(banner).toContain(DEV_API_KEYS.trendyol);
    expect(banner).toContain(DEV_OPERATOR_KEY);
    expect(banner).toContain(DEV_WEBHOOK_SECRET);
    const production = loadConfig({
      OMS_API_KEYS: 'webstore=ws-secret-key-1',
      OMS_OPERATOR_KEYS: 'alice=op-secret-key-1',
      OMS_WEBHOOK_SECRET: 'a-long-production-secret',
      TRENDYOL_WEBHOOK_PASSWORD: 'a-long-production-password',
    });
    expect(describeDevDefaults(production)).toEqual([]);
  });

  it('takes every setting from the environment', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgresql://oms@db:5432/oms',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'oms-prod',
      TEMPORAL_UI_PORT: '9233',
      OMS_TEMPORAL_UI_URL: 'https://temporal.example.com/',
      OMS_API_KEYS: 'webstore=ws-secret-key-1, trendyol=ty-secret-key-2',
      OMS_OPERATOR_KEYS: 'alice=op-secret-key-1,op-bare-key-2',
      OMS_WEBHOOK_SECRET: 'a-long-production-secret',
      OMS_BODY_LIMIT: '256kb',
      OMS_DEFAULT_CARRIER: 'aras',
      OMS_PAYMENT_TIMEOUT_CARD: '15m',
      OMS_PAYMENT_TIMEOUT_BANK_TRANSFER: '72h',
      OMS_PICK_SLA: '4h',
      OMS_TRACKING_WINDOW: '10d',
      OMS_RETURN_WINDOW: '30d',
      OMS_STEP_RETRY: '2m',
      OMS_SIM_FAULTS: 'carrier.createShipment=0.2',
      OMS_RATE_LIMIT: '50',
    });
    expect(config.port).toBe(8080);
    expect(config.databaseUrl).toBe('postgresql://oms@db:5432/oms');
    expect(config.temporal).toEqual({
      address: 'temporal.internal:7233',
      namespace: 'oms-prod',
      uiPort: 9233,
      uiUrl: 'https://temporal.example.com',
    });
    // An external cluster's UI is not guessed, and a non-http(s) URL is refused by name.
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233' }).temporal.uiUrl).toBeNull();
    expect(() => loadConfig({ OMS_TEMPORAL_UI_URL: 'ftp://x' })).toThrow(/OMS_TEMPORAL_UI_URL/);
    expect(config.apiKeys).toEqual({ webstore: 'ws-secret-key-1', trendyol: 'ty-secret-key-2' });
    expect(config.operatorKeys[0]).toEqual({ name: 'alice', key: 'op-secret-key-1' });
    // A bare key gets a stable name derived from it, so the timeline still says who acted.
    expect(config.operatorKeys[1]?.key).toBe('op-bare-key-2');
    expect(config.operatorKeys[1]?.name).toMatch(/^key-[0-9a-f]{8}$/);
    expect(loadConfig({ OMS_OPERATOR_KEYS: 'op-bare-key-2' }).operatorKeys[0]?.name).toBe(config.operatorKeys[1]?.name);
    expect(config.webhookSecret).toBe('a-long-production-secret');
    expect(config.bodyLimit).toBe('256kb');
    expect(config.defaultCarrier).toBe('aras');
    expect(config.timers).toEqual({
      paymentTimeout: { card: '15m', bank_transfer: '72h' },
      pickSla: '4h',
      trackingWindow: '10d',
      returnWindow: '30d',
      stepRetry: '2m',
    });
    expect(config.simFaults).toBe('carrier.createShipment=0.2');
    expect(config.rateLimit.perMinute).toBe(50);
    expect(config.usingDevDefaults).toEqual({
      apiKeys: false,
      operatorKeys: false,
      webhookSecret: false,
      databaseUrl: false,
      trendyolWebhook: true,
    });
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ PORT: '', OMS_PICK_SLA: '  ', TEMPORAL_ADDRESS: '' });
    expect(config.port).toBe(3000);
    expect(config.timers.pickSla).toBe(DEFAULT_TIMERS.pickSla);
    expect(config.temporal.address).toBeNull();
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      TEMPORAL_UI_PORT: '70000',
      OMS_PICK_SLA: '24 hours',
      OMS_RETURN_WINDOW: '0d',
      OMS_DEFAULT_CARRIER: 'ups',
      OMS_BODY_LIMIT: 'huge',
      DATABASE_URL: 'mysql://x',
      TEMPORAL_ADDRESS: 'no-port',
      OMS_WEBHOOK_SECRET: 'short',
    });
    expect(problems.map((p) => p.variable).sort()).toEqual(
      [
        'DATABASE_URL',
        'OMS_BODY_LIMIT',
        'OMS_DEFAULT_CARRIER',
        'OMS_PICK_SLA',
        'OMS_RETURN_WINDOW',
        'OMS_WEBHOOK_SECRET',
        'PORT',
        'TEMPORAL_ADDRESS',
        'TEMPORAL_UI_PORT',
      ].sort(),
    );
    expect(() => loadConfig({ OMS_PICK_SLA: '24 hours' })).toThrow(/OMS_PICK_SLA: must be a duration like "30m"/);
  });

  it('validates the key lists without echoing keys into the error', () => {
    const problems = problemsOf({ OMS_API_KEYS: 'webstore=ok-key-123,secret-without-channel,Bad Channel=k-12345678' });
    expect(problems.every((p) => p.variable === 'OMS_API_KEYS')).toBe(true);
    expect(problems.map((p) => p.message).join(' ')).toMatch(/entry 2 must be channel=key/);
    expect(problems.map((p) => p.message).join(' ')).toMatch(/entry 3 .*channel must be/);
    expect(JSON.stringify(problems)).not.toContain('secret-without-channel');

    expect(problemsOf({ OMS_API_KEYS: 'webstore=k-1234567,webstore=k-7654321' })[0]?.message).toMatch(/listed twice/);
    expect(problemsOf({ OMS_API_KEYS: 'webstore=short' })[0]?.message).toMatch(/at least 8 characters/);
    expect(problemsOf({ OMS_OPERATOR_KEYS: 'tiny' })[0]).toMatchObject({ variable: 'OMS_OPERATOR_KEYS' });
  });

  it('refuses one key serving two identities', () => {
    const problems = problemsOf({ OMS_API_KEYS: 'webstore=shared-key-1', OMS_OPERATOR_KEYS: 'ops=shared-key-1' });
    expect(problems).toEqual([
      { variable: 'OMS_OPERATOR_KEYS', message: 'operator ops reuses the key of channel webstore' },
    ]);
  });

  it('lists the channels that set their own prices: the marketplaces by default, or OMS_OWN_PRICE_CHANNELS', () => {
    expect(loadConfig({}).ownPriceChannels).toEqual(['trendyol', 'hepsiburada', 'n11']);
    expect(loadConfig({ OMS_OWN_PRICE_CHANNELS: ' trendyol , b2b' }).ownPriceChannels).toEqual(['trendyol', 'b2b']);
    expect(loadConfig({ OMS_OWN_PRICE_CHANNELS: 'none' }).ownPriceChannels).toEqual([]);
    expect(problemsOf({ OMS_OWN_PRICE_CHANNELS: 'Trendyol Market' })).toEqual([
      { variable: 'OMS_OWN_PRICE_CHANNELS', message: 'must be channel names separated by commas' },
    ]);
  });
});

describe('the stock feed: OMS_STOCK_FEED_CHANNELS, OMS_STOCK_BUFFER and the marketplaces', () => {
  it('feeds the three marketplaces from their simulators unless set', () => {
    const c = loadConfig({});
    expect(c.stockFeed).toEqual({ channels: ['trendyol', 'hepsiburada', 'n11'], buffers: {}, pollMs: 200, resyncEveryMs: 6 * 3600_000, retryFailedMs: 15 * 60_000, lateSweepMs: 60_000 });
    expect([c.marketplaces.trendyol.baseUrl, c.marketplaces.hepsiburada.baseUrl, c.marketplaces.n11.baseUrl]).toEqual([null, null, null]);
  });

  it('takes a subset of the channels, none, buffers per channel and a real base URL', () => {
    expect(loadConfig({ OMS_STOCK_FEED_CHANNELS: 'n11, trendyol' }).stockFeed.channels).toEqual(['n11', 'trendyol']);
    expect(loadConfig({ OMS_STOCK_FEED_CHANNELS: 'none' }).stockFeed.channels).toEqual([]);
    expect(loadConfig({ OMS_STOCK_BUFFER: 'trendyol=2, n11 = 0' }).stockFeed.buffers).toEqual({ trendyol: 2, n11: 0 });
    expect(loadConfig({ TRENDYOL_BASE_URL: 'https://apigw.trendyol.com/integration' }).marketplaces.trendyol.baseUrl).toBe(
      'https://apigw.trendyol.com/integration',
    );
  });

  it('refuses an unknown channel, a bad buffer and a seller id that is not a number, naming each variable', () => {
    expect(problemsOf({ OMS_STOCK_FEED_CHANNELS: 'trendyol,ebay' })).toEqual([
      { variable: 'OMS_STOCK_FEED_CHANNELS', message: 'must be channels among trendyol, hepsiburada, n11, or none' },
    ]);
    expect(problemsOf({ OMS_STOCK_BUFFER: 'trendyol=-1' })).toEqual([
      { variable: 'OMS_STOCK_BUFFER', message: 'entry 1 must be channel=units (a whole number 0-1000000), e.g. "trendyol=2"' },
    ]);
    expect(problemsOf({ TRENDYOL_SELLER_ID: 'abc' })).toEqual([{ variable: 'TRENDYOL_SELLER_ID', message: 'must be the numeric seller id' }]);
  });
});

describe('OMS_CALLBACK_SECRETS', () => {
  it('takes a secret per sender and none unless set', () => {
    expect(loadConfig({}).callbackSecrets).toEqual({});
    expect(loadConfig({ OMS_CALLBACK_SECRETS: 'payments=pay-secret-0123456789, yurtici = yk-secret-0123456789' }).callbackSecrets).toEqual({
      payments: 'pay-secret-0123456789',
      yurtici: 'yk-secret-0123456789',
    });
  });

  it('refuses an unknown sender and a short secret without echoing it', () => {
    expect(problemsOf({ OMS_CALLBACK_SECRETS: 'ups=some-long-secret-value,aras=short' })).toEqual([
      { variable: 'OMS_CALLBACK_SECRETS', message: 'entry 1 (ups) must be sender=secret with sender one of payments, warehouse, yurtici, aras, mng' },
      { variable: 'OMS_CALLBACK_SECRETS', message: 'entry 2 (aras): the secret must be at least 16 characters' },
    ]);
  });
});

describe('OMS_CAPTURE_MODE', () => {
  it('captures per unit unless set; one mode for every method', () => {
    expect(loadConfig({}).captureMode).toEqual({ card: 'per_unit', bank_transfer: 'per_unit' });
    expect(loadConfig({ OMS_CAPTURE_MODE: 'once' }).captureMode).toEqual({ card: 'once', bank_transfer: 'once' });
  });

  it('takes a mode per payment method; a method not named captures per unit', () => {
    expect(loadConfig({ OMS_CAPTURE_MODE: 'card = once' }).captureMode).toEqual({ card: 'once', bank_transfer: 'per_unit' });
    expect(loadConfig({ OMS_CAPTURE_MODE: 'card=per_unit,bank_transfer=once' }).captureMode).toEqual({
      card: 'per_unit',
      bank_transfer: 'once',
    });
  });

  it('refuses an unknown mode or a method without a capture, naming the variable and the entry', () => {
    expect(problemsOf({ OMS_CAPTURE_MODE: 'always' })).toEqual([
      { variable: 'OMS_CAPTURE_MODE', message: 'must be one of per_unit, once, or method=mode pairs like "card=once"' },
    ]);
    expect(problemsOf({ OMS_CAPTURE_MODE: 'card=twice,marketplace=once' })).toEqual([
      { variable: 'OMS_CAPTURE_MODE', message: 'entry 1 (card): mode must be one of per_unit, once' },
      { variable: 'OMS_CAPTURE_MODE', message: 'entry 2: "marketplace" is not a method with a capture (card, bank_transfer)' },
    ]);
  });
});

describe('sourcing: OMS_MAX_FULFILLMENTS and OMS_CHANNEL_LOCATIONS', () => {
  it('allows 3 units per allocation and every location to every channel unless set', () => {
    expect(loadConfig({}).sourcing).toEqual({ maxUnits: 3, channels: {} });
  });

  it('takes a unit limit between 1 and 20', () => {
    expect(loadConfig({ OMS_MAX_FULFILLMENTS: '1' }).sourcing.maxUnits).toBe(1);
    expect(loadConfig({ OMS_MAX_FULFILLMENTS: ' 5 ' }).sourcing.maxUnits).toBe(5);
    for (const bad of ['0', '21', '2.5', 'three']) {
      expect(problemsOf({ OMS_MAX_FULFILLMENTS: bad })).toEqual([
        { variable: 'OMS_MAX_FULFILLMENTS', message: expect.stringMatching(/must be (between 1 and 20|an integer|a number)/) },
      ]);
    }
  });

  it('reads channel=location|kind rules separated by semicolons', () => {
    expect(loadConfig({ OMS_CHANNEL_LOCATIONS: 'trendyol=main; hepsiburada = main | warehouse ;' }).sourcing.channels).toEqual({
      trendyol: ['main'],
      hepsiburada: ['main', 'warehouse'],
    });
  });

  it('refuses a malformed rule, naming the variable and the entry', () => {
    expect(problemsOf({ OMS_CHANNEL_LOCATIONS: 'trendyol' })).toEqual([
      { variable: 'OMS_CHANNEL_LOCATIONS', message: 'entry 1 must be channel=location|location…, e.g. "trendyol=main"' },
    ]);
    expect(problemsOf({ OMS_CHANNEL_LOCATIONS: 'trendyol=main;Trendyol Market=main' })).toEqual([
      { variable: 'OMS_CHANNEL_LOCATIONS', message: 'entry 2 (Trendyol Market): channel must be 1-32 characters of a-z, 0-9, _ or -' },
    ]);
    expect(problemsOf({ OMS_CHANNEL_LOCATIONS: 'trendyol=' })).toEqual([
      { variable: 'OMS_CHANNEL_LOCATIONS', message: expect.stringContaining('entry 1 (trendyol): "" is not a location id or kind') },
    ]);
    expect(problemsOf({ OMS_CHANNEL_LOCATIONS: 'n11=main,store' })).toEqual([
      { variable: 'OMS_CHANNEL_LOCATIONS', message: expect.stringContaining('"main,store" is not a location id or kind') },
    ]);
    expect(problemsOf({ OMS_CHANNEL_LOCATIONS: 'n11=main;n11=store' })).toEqual([
      { variable: 'OMS_CHANNEL_LOCATIONS', message: 'channel "n11" is listed twice' },
    ]);
  });
});

describe('OMS_UPDATE_TIMEOUT', () => {
  it('bounds a request’s wait on the order’s workflow: 10 s unless set, any duration when set', () => {
    expect(loadConfig({}).updateTimeoutMs).toBe(10_000);
    expect(loadConfig({ OMS_UPDATE_TIMEOUT: '2s' }).updateTimeoutMs).toBe(2000);
    expect(loadConfig({ OMS_UPDATE_TIMEOUT: '1500ms' }).updateTimeoutMs).toBe(1500);
    expect(problemsOf({ OMS_UPDATE_TIMEOUT: 'soon' }).map((p) => p.variable)).toEqual(['OMS_UPDATE_TIMEOUT']);
  });
});

describe('the worker cache: OMS_WORKER_CACHED_WORKFLOWS and OMS_WORKER_STICKY_TIMEOUT', () => {
  it('keeps 100 workflows and the SDK’s 10 s sticky timeout unless set', () => {
    expect(loadConfig({}).worker).toEqual({ maxCachedWorkflows: 100, stickyQueueTimeoutMs: 10_000 });
  });

  it('takes any cache size of 0 (no cache) or 2 and more, and any duration', () => {
    expect(loadConfig({ OMS_WORKER_CACHED_WORKFLOWS: '0' }).worker.maxCachedWorkflows).toBe(0);
    expect(loadConfig({ OMS_WORKER_CACHED_WORKFLOWS: '2' }).worker.maxCachedWorkflows).toBe(2);
    expect(loadConfig({ OMS_WORKER_CACHED_WORKFLOWS: ' 2000 ' }).worker.maxCachedWorkflows).toBe(2000);
    expect(loadConfig({ OMS_WORKER_STICKY_TIMEOUT: '3s' }).worker.stickyQueueTimeoutMs).toBe(3000);
    expect(loadConfig({ OMS_WORKER_STICKY_TIMEOUT: '500ms' }).worker.stickyQueueTimeoutMs).toBe(500);
  });

  it('names the variable of a bad value', () => {
    expect(problemsOf({ OMS_WORKER_CACHED_WORKFLOWS: '1' })).toEqual([
      { variable: 'OMS_WORKER_CACHED_WORKFLOWS', message: 'must be 0 (no cache) or at least 2' },
    ]);
    expect(problemsOf({ OMS_WORKER_CACHED_WORKFLOWS: '-5' }).map((p) => p.variable)).toEqual(['OMS_WORKER_CACHED_WORKFLOWS']);
    expect(problemsOf({ OMS_WORKER_CACHED_WORKFLOWS: '2.5' }).map((p) => p.variable)).toEqual(['OMS_WORKER_CACHED_WORKFLOWS']);
    expect(problemsOf({ OMS_WORKER_CACHED_WORKFLOWS: 'lots' }).map((p) => p.variable)).toEqual(['OMS_WORKER_CACHED_WORKFLOWS']);
    expect(problemsOf({ OMS_WORKER_STICKY_TIMEOUT: '10' }).map((p) => p.variable)).toEqual(['OMS_WORKER_STICKY_TIMEOUT']);
  });
});

describe('the carriers: OMS_CARRIER_CONNECTORS, OMS_CARRIER_POLL_INTERVAL and OMS_CARRIER_SIM_PACE', () => {
  it('connects no carrier unless named (npm start names them all), polling each minute', () => {
    const c = loadConfig({});
    expect(c.carriers.connectors).toEqual([]);
    expect(c.carriers.pollMs).toBe(60_000);
    expect(c.carriers.simPaceMs).toEqual({ pickedUp: 120_000, inDelivery: 240_000, delivered: 480_000 });
    expect([c.carriers.yurtici.baseUrl, c.carriers.aras.baseUrl, c.carriers.mng.baseUrl]).toEqual([null, null, null]);
  });

  it('takes carriers, a pace, a poll interval and the query credentials falling back to the order ones', () => {
    const c = loadConfig({
      OMS_CARRIER_CONNECTORS: 'mng, yurtici',
      OMS_CARRIER_POLL_INTERVAL: '5s',
      OMS_CARRIER_SIM_PACE: '1s,2s,3s',
      ARAS_USERNAME: 'aras-user',
      ARAS_PASSWORD: 'aras-pass',
    });
    expect(c.carriers.connectors).toEqual(['mng', 'yurtici']);
    expect(c.carriers.pollMs).toBe(5000);
    expect(c.carriers.simPaceMs).toEqual({ pickedUp: 1000, inDelivery: 2000, delivered: 3000 });
    expect(c.carriers.aras).toMatchObject({ username: 'aras-user', queryUsername: 'aras-user', queryPassword: 'aras-pass' });
    expect(loadConfig({ OMS_CARRIER_CONNECTORS: 'none' }).carriers.connectors).toEqual([]);
  });

  it('refuses an unknown carrier and a pace that is not three non-decreasing durations, naming each variable', () => {
    expect(problemsOf({ OMS_CARRIER_CONNECTORS: 'yurtici,ups' })).toEqual([
      { variable: 'OMS_CARRIER_CONNECTORS', message: 'must be carriers among yurtici, aras, mng, or none' },
    ]);
    for (const pace of ['1s,2s', '3s,2s,4s', '1s,2s,soon']) {
      expect(problemsOf({ OMS_CARRIER_SIM_PACE: pace })).toEqual([
        { variable: 'OMS_CARRIER_SIM_PACE', message: 'must be three non-decreasing durations: picked up, in delivery, delivered (e.g. "2m,4m,8m")' },
      ]);
    }
    expect(problemsOf({ MNG_BASE_URL: 'not a url' })).toEqual([
      { variable: 'MNG_BASE_URL', message: 'must be a URL ending in /mngapi/api, e.g. https://testapi.mngkargo.com.tr/mngapi/api' },
    ]);
  });

  it('OMS_SQLITE_SYNCHRONOUS is full unless set to normal, and names itself when invalid', () => {
    expect(loadConfig({}).sqliteSynchronous).toBe('full');
    expect(loadConfig({ OMS_SQLITE_SYNCHRONOUS: 'normal' }).sqliteSynchronous).toBe('normal');
    expect(problemsOf({ OMS_SQLITE_SYNCHRONOUS: 'off' })).toEqual([{ variable: 'OMS_SQLITE_SYNCHRONOUS', message: 'must be full or normal' }]);
  });
});
