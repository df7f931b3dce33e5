// The marketplaces the OMS feeds stock to: for each channel in OMS_STOCK_FEED_CHANNELS, its connector pointed at the
// configured base URL, or, when none is configured, at the built-in simulator started here on a free loopback port
// (so `npm start` and the tests run the real protocol end to end without the internet).
import type { StockFeedTarget } from '../activities/stock-feed';
import type { HepsiburadaOrderListOptions } from '../integrations/hepsiburada/orders';
import type { N11PackageListOptions } from '../integrations/n11/orders';
import type { HepsiburadaPackageOptions } from '../integrations/hepsiburada/packages';
import type { N11PackageWriterOptions } from '../integrations/n11/packages';
import { createHepsiburadaStockFeed } from '../integrations/hepsiburada/stock';
import { createN11StockFeed } from '../integrations/n11/stock';
import { startHepsiburadaSimulator } from '../integrations/sim/hepsiburada';
import { startN11Simulator } from '../integrations/sim/n11';
import { startTrendyolSimulator } from '../integrations/sim/trendyol';
import { createTrendyolStockFeed } from '../integrations/trendyol/stock';
import type { AppConfig, FeedChannel } from './config';

export interface MarketplaceSimulators {
  trendyol?: Awaited<ReturnType<typeof startTrendyolSimulator>>;
  hepsiburada?: Awaited<ReturnType<typeof startHepsiburadaSimulator>>;
  n11?: Awaited<ReturnType<typeof startN11Simulator>>;
}

export interface RunningMarketplaces {
  /** One feed target per fed channel (the account is named as the channel). */
  targets: Record<string, StockFeedTarget>;
  /** The built-in simulators started for channels without a configured base URL. */
  simulators: MarketplaceSimulators;
  /** Trendyol's Partner API as the order pull reaches it (the simulator's or the configured base URL); null: not used. */
  trendyol: (AppConfig['marketplaces']['trendyol'] & { baseUrl: string }) | null;
  /** Hepsiburada's oms-external as the order pull reaches it; null: not pulled (OMS_HEPSIBURADA_PULL_INTERVAL=off). */
  hepsiburadaOrders: HepsiburadaOrderListOptions | null;
  /** n11's package list as the order pull reaches it; null: not pulled (OMS_N11_PULL_INTERVAL=off). */
  n11Packages: N11PackageListOptions | null;
  /** Hepsiburada's oms-external as the write-back reaches it; null: OMS_HEPSIBURADA_WRITEBACK=off. */
  hepsiburadaWriteBack: HepsiburadaPackageOptions | null;
  /** n11's REST API as the write-back reaches it; null: OMS_N11_WRITEBACK=off. */
  n11WriteBack: N11PackageWriterOptions | null;
  close(): Promise<void>;
}

/** Most units one product may be listed with (Trendyol 20,000; the others publish no limit). */
const CAPS: Record<FeedChannel, number> = { trendyol: 20_000, hepsiburada: 1_000_000, n11: 1_000_000 };

export async function startMarketplaces(config: AppConfig): Promise<RunningMarketplaces> {
  const simulators: MarketplaceSimulators = {};
  const targets: Record<string, StockFeedTarget> = {};
  const closers: (() => Promise<void>)[] = [];
  const m = config.marketplaces;
  const target = (channel: FeedChannel, feed: StockFeedTarget['feed']): StockFeedTarget => ({
    account: channel,
    channel,
    feed,
    buffer: config.stockFeed.buffers[channel] ?? 0,
    cap: CAPS[channel],
  });
  let trendyol: RunningMarketplaces['trendyol'] = null;
  let hepsiburadaOrders: RunningMarketplaces['hepsiburadaOrders'] = null;
  let n11Packages: RunningMarketplaces['n11Packages'] = null;
  let hepsiburadaWriteBack: RunningMarketplaces['hepsiburadaWriteBack'] = null;
  let n11WriteBack: RunningMarketplaces['n11WriteBack'] = null;
  // One simulator per marketplace, whoever needs it first (the stock feed or the order pull).
  const hepsiburadaSimUrl = async (): Promise<string> => {
    if (!simulators.hepsiburada) {
      const sim = await startHepsiburadaSimulator({ port: 0, ...m.hepsiburada });
      simulators.hepsiburada = sim;
      closers.push(() => sim.close());
    }
    return simulators.hepsiburada.url;
  };
  const n11SimUrl = async (): Promise<string> => {
    if (!simulators.n11) {
      const sim = await startN11Simulator({ port: 0, appKey: m.n11.appKey, appSecret: m.n11.appSecret });
      simulators.n11 = sim;
      closers.push(() => sim.close());
    }
    return simulators.n11.url;
  };
  try {
    // Trendyol is reached by the stock feed, the order pull and the write-back: one simulator (or base URL) for all.
    if (config.stockFeed.channels.includes('trendyol') || config.trendyolPullMs !== null || config.trendyolWriteBack.enabled) {
      let baseUrl = m.trendyol.baseUrl;
      if (!baseUrl) {
        const sim = await startTrendyolSimulator({ port: 0, sellerId: m.trendyol.sellerId, apiKey: m.trendyol.apiKey, apiSecret: m.trendyol.apiSecret });
        simulators.trendyol = sim;
        closers.push(() => sim.close());
        baseUrl = `${sim.url}/integration`;
      }
      trendyol = { ...m.trendyol, baseUrl };
    }
    for (const channel of config.stockFeed.channels) {
      if (channel === 'trendyol') {
        targets.trendyol = target('trendyol', createTrendyolStockFeed(trendyol!));
      } else if (channel === 'hepsiburada') {
        const baseUrl = m.hepsiburada.baseUrl ?? (await hepsiburadaSimUrl());
        targets.hepsiburada = target('hepsiburada', createHepsiburadaStockFeed({ ...m.hepsiburada, baseUrl }));
      } else {
        const baseUrl = m.n11.baseUrl ?? (await n11SimUrl());
        targets.n11 = target('n11', createN11StockFeed({ ...m.n11, baseUrl }));
      }
    }
    if (config.hepsiburadaPullMs !== null) {
      const { merchantId, username, password, userAgent } = m.hepsiburada;
      hepsiburadaOrders = { baseUrl: m.hepsiburada.omsBaseUrl ?? (await hepsiburadaSimUrl()), merchantId, username, password, userAgent };
    }
    if (config.n11PullMs !== null) {
      n11Packages = { baseUrl: m.n11.baseUrl ?? (await n11SimUrl()), appKey: m.n11.appKey, appSecret: m.n11.appSecret };
    }
    // The write-backs reach their marketplace as the pulls do (one simulator per marketplace, or its base URL).
    if (config.hepsiburadaWriteBack.enabled) {
      const { merchantId, username, password, userAgent } = m.hepsiburada;
      hepsiburadaWriteBack = { baseUrl: m.hepsiburada.omsBaseUrl ?? (await hepsiburadaSimUrl()), merchantId, username, password, userAgent };
    }
    if (config.n11WriteBack.enabled) {
      n11WriteBack = { baseUrl: m.n11.baseUrl ?? (await n11SimUrl()), appKey: m.n11.appKey, appSecret: m.n11.appSecret };
    }
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw err;
  }
  return {
    targets,
    simulators,
    trendyol,
    hepsiburadaOrders,
    n11Packages,
    hepsiburadaWriteBack,
    n11WriteBack,
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    },
  };
}
