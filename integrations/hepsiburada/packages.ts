// Hepsiburada's merchant-cargo package writes (CONNECTORS.md §2.2, §2.3) as the OMS's write-back makes them: the
// package made from an order's lines, its invoice link, in transit with the tracking number, delivered or not
// delivered, the split of a package not yet in transit (new packages, units cancelled in the same call), the unpack
// of one, and the cancel of a line not packed (or unpacked) yet. No HB endpoint takes an idempotency key: the caller
// (activities/writeback-hepsiburada.ts) reads the order's lines (`GET …/ordernumber/{n}`: packed lines carry their
// packageNumber) before it makes a package, and reads a package's status before it repeats a forward-only step.
import { callChannel, type FetchLike } from '../channel-http';
import { ChannelError } from '../stock-feed';

export interface HepsiburadaPackageOptions {
  /** The oms-external host, or the simulator's URL. */
  baseUrl: string;
  merchantId: string;
  username: string;
  password: string;
  /** Exactly the integrator name registered in the merchant panel (§2.1). */
  userAgent: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}

/** One line of an order as HB shows it now (order detail). */
export interface HepsiburadaLineState {
  lineItemId: string;
  merchantSku: string;
  quantity: number;
  status: string;
  packageNumber: string | null;
}

export interface HepsiburadaPackageStatus {
  packageNumber: string;
  status: string;
}

export interface HepsiburadaPackageWriter {
  /** The order's lines as HB holds them now; null when HB does not know the order (404). */
  orderLines(orderNumber: string): Promise<HepsiburadaLineState[] | null>;
  /** POST /packages/merchantid/{m} { lineItemRequests }: 201 { packageNumber, barcode }. */
  createPackage(lines: { lineItemId: string; quantity: number }[]): Promise<{ packageNumber: string; barcode: string }>;
  /** GET …/packagenumber/{p}: the package's status now. */
  packageStatus(packageNumber: string): Promise<HepsiburadaPackageStatus>;
  /** PUT …/packagenumber/{p}/invoice (204). */
  invoice(packageNumber: string, invoiceLink: string, serialNumber?: string): Promise<void>;
  /** POST …/intransit: shipped by the merchant's own carrier, with its tracking number and URL. */
  inTransit(packageNumber: string, args: { shippedDate: string; trackingNumber: string; trackingUrl: string }): Promise<void>;
  /** POST …/deliver (after intransit). */
  deliver(packageNumber: string, args: { receivedDate: string; receivedBy: string }): Promise<void>;
  /** POST …/undeliver (after intransit). */
  undeliver(packageNumber: string, args: { undeliveredDate: string; undeliveredReason: string }): Promise<void>;
  /**
   * POST …/packagenumber/{p}/unpack (before intransit): HB retires the packageNumber (UnPacked) and its lines are
   * packable (and cancellable) again; they go into a new package under a new number.
   */
  unpack(packageNumber: string): Promise<void>;
  /**
   * POST …/packagenumber/{p}/split { packageDetails, cancelledItems } (before intransit): HB retires the packageNumber
   * (UnPacked) and makes one new package of each of `packages`; the units of `cancelled` are cancelled. Every unit the
   * package holds must be in exactly one of them. Resolves with the new packageNumbers, in the order of `packages`.
   */
  split(packageNumber: string, args: HepsiburadaSplit): Promise<string[]>;
  /** POST /lineitems/merchantid/{m}/id/{lineId}/cancelbymerchant { reasonId } (lines not packed only). */
  cancelLine(lineItemId: string, reasonId: number): Promise<void>;
}

/** What a split makes of a package: the new packages' units per line, and the units cancelled (with their reason). */
export interface HepsiburadaSplit {
  packages: { lines: { lineItemId: string; quantity: number }[] }[];
  cancelled: { lineItemId: string; quantity: number; reasonId: number }[];
}

const CHANNEL = 'hepsiburada';

/** The write-back's connector for one Hepsiburada merchant. */
export function createHepsiburadaPackageWriter(options: HepsiburadaPackageOptions): HepsiburadaPackageWriter {
  const fetchImpl = options.fetch ?? fetch;
  const root = options.baseUrl.replace(/\/+$/, '');
  const m = encodeURIComponent(options.merchantId);
  const headers = {
    authorization: `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`,
    'user-agent': options.userAgent,
    accept: 'application/json',
    'content-type': 'application/json',
  };
  // A 429 is not waited out here: the activity's retry policy waits for X-RateLimit-Reset (nextRetryDelay).
  const call = (method: string, path: string, body?: unknown) =>
    callChannel(CHANNEL, fetchImpl, `${root}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  const pkgPath = (p: string) => `/packages/merchantid/${m}/packagenumber/${encodeURIComponent(p)}`;

  return {
    async orderLines(orderNumber) {
      let answer;
      try {
        answer = await call('GET', `/orders/merchantid/${m}/ordernumber/${encodeURIComponent(orderNumber)}`);
      } catch (err) {
        if (err instanceof ChannelError && err.kind === 'not_found') return null;
        throw err;
      }
      const items = (answer.json as { items?: unknown } | undefined)?.items;
      if (!Array.isArray(items)) throw new ChannelError(CHANNEL, 'unavailable', `unreadable order ${orderNumber}: ${answer.text.slice(0, 200)}`, answer.status);
      return items.map((raw) => {
        const l = raw as Record<string, unknown>;
        return {
          lineItemId: String(l.id),
          merchantSku: String(l.merchantSKU ?? ''),
          quantity: Number(l.quantity ?? 0),
          status: String(l.status ?? ''),
          packageNumber: typeof l.packageNumber === 'string' && l.packageNumber ? l.packageNumber : null,
        };
      });
    },
    async createPackage(lines) {
      const answer = await call('POST', `/packages/merchantid/${m}`, {
        lineItemRequests: lines.map((l) => ({ id: l.lineItemId, quantity: l.quantity, serialNumbers: [] })),
        parcelQuantity: 1,
        // [choice] The OMS keeps no deci (volumetric weight) per product: 1, HB's smallest.
        deci: 1,
      });
      const body = answer.json as { packageNumber?: unknown; barcode?: unknown } | undefined;
      if (typeof body?.packageNumber !== 'string') {
        throw new ChannelError(CHANNEL, 'unavailable', `package answer without a packageNumber: ${answer.text.slice(0, 200)}`, answer.status);
      }
      return { packageNumber: body.packageNumber, barcode: String(body.barcode ?? '') };
    },
    async packageStatus(packageNumber) {
      const answer = await call('GET', pkgPath(packageNumber));
      const body = answer.json as { status?: unknown } | undefined;
      return { packageNumber, status: String(body?.status ?? '') };
    },
    async invoice(packageNumber, invoiceLink, serialNumber) {
      await call('PUT', `${pkgPath(packageNumber)}/invoice`, { invoiceLink, ...(serialNumber ? { serialNumber } : {}) });
    },
    async inTransit(packageNumber, args) {
      await call('POST', `${pkgPath(packageNumber)}/intransit`, { ...args, deci: 1 });
    },
    async deliver(packageNumber, args) {
      await call('POST', `${pkgPath(packageNumber)}/deliver`, { ...args, digitalCodes: [] });
    },
    async undeliver(packageNumber, args) {
      await call('POST', `${pkgPath(packageNumber)}/undeliver`, args);
    },
    async unpack(packageNumber) {
      if (!packageNumber) throw new ChannelError(CHANNEL, 'rejected', 'unpack: a packageNumber is required');
      await call('POST', `${pkgPath(packageNumber)}/unpack`);
    },
    async split(packageNumber, args) {
      if (!packageNumber) throw new ChannelError(CHANNEL, 'rejected', 'split: a packageNumber is required');
      if (args.packages.length === 0) throw new ChannelError(CHANNEL, 'rejected', 'split: at least one package is required');
      const answer = await call('POST', `${pkgPath(packageNumber)}/split`, {
        packageDetails: args.packages.map((p) => ({
          lines: p.lines.map((l) => ({ orderLineId: l.lineItemId, quantity: l.quantity })),
          parcelQuantity: 1,
          // [choice] As for a new package: no deci per product in the OMS, 1; HB's own cargo fields are left out
          // (merchant cargo: the carrier is told at intransit).
          deci: 1,
        })),
        cancelledItems: args.cancelled.map((c) => ({ orderLineId: c.lineItemId, quantity: c.quantity, cancelReasonId: c.reasonId })),
      });
      // [choice] §2.3 gives no answer; the new packageNumbers are taken from it as from the create-package answer (the
      // simulator's `packages: [{ packageNumber, barcode }]`). An answer without them is not guessed at: it fails as
      // unreadable, and the write-back, retried, reads the new packages from the order's lines (the split is done).
      const made = (answer.json as { packages?: unknown } | undefined)?.packages;
      const numbers = Array.isArray(made) ? made.map((p) => (p as { packageNumber?: unknown } | null)?.packageNumber) : [];
      if (numbers.length !== args.packages.length || !numbers.every((n): n is string => typeof n === 'string' && n !== '')) {
        throw new ChannelError(CHANNEL, 'unavailable', `split answer without the new packageNumbers: ${answer.text.slice(0, 200)}`, answer.status);
      }
      return numbers;
    },
    async cancelLine(lineItemId, reasonId) {
      await call('POST', `/lineitems/merchantid/${m}/id/${encodeURIComponent(lineItemId)}/cancelbymerchant`, { reasonId });
    },
  };
}
