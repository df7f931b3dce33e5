// The carrier gateway's pure parts: the reference a step's key becomes at the carrier, and what the courier
// collects for a shipment of some lines of an order.
import type { OrderView } from '../../contract/types';
import { carrierReference, cashOnDeliveryFromReadModel } from '../../integrations/carrier-gateway';
import { IntegrationUnavailableError } from '../../integrations/faults';

describe('carrierReference', () => {
  test('is the same for the same key, and fits Yurtiçi (20) and Aras (16) as [0-9A-Z]', () => {
    const a = carrierReference('OMS', 'ord-1:shipment:1');
    expect(carrierReference('OMS', 'ord-1:shipment:1')).toBe(a);
    expect(a).toMatch(/^OMS[0-9A-Z]{17}$/);
    expect(carrierReference('ORD', 'ord-1', 16)).toMatch(/^ORD[0-9A-Z]{13}$/);
  });

  test('differs for different keys (a retried step reuses its reference, a second unit gets its own)', () => {
    const refs = new Set(Array.from({ length: 2000 }, (_, i) => carrierReference('OMS', `ord-${i}:shipment:u${i % 3}`)));
    expect(refs.size).toBe(2000);
  });
});

describe('cashOnDeliveryFromReadModel', () => {
  const order = (paymentMethod: string) =>
    ({
      id: 'webstore:1',
      paymentMethod,
      lines: [
        { sku: 'A', quantity: 3, unitPrice: '149.90' },
        { sku: 'B', quantity: 1, unitPrice: '0.10' },
      ],
    }) as unknown as OrderView;

  test('a cash-on-delivery order collects the value of the shipped lines, to the kuruş', async () => {
    const amount = cashOnDeliveryFromReadModel(async () => order('cash_on_delivery'));
    expect(await amount('webstore:1', [{ sku: 'A', quantity: 2 }])).toBe('299.80');
    expect(await amount('webstore:1', [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }])).toBe('150.00');
  });

  test('a card or marketplace order collects nothing', async () => {
    for (const method of ['card', 'marketplace']) {
      expect(await cashOnDeliveryFromReadModel(async () => order(method))('webstore:1', [{ sku: 'A', quantity: 1 }])).toBeUndefined();
    }
  });

  test('an order the read model does not have yet is an outage to retry, never a parcel without its amount', async () => {
    await expect(cashOnDeliveryFromReadModel(async () => null)('webstore:9', [{ sku: 'A', quantity: 1 }])).rejects.toBeInstanceOf(
      IntegrationUnavailableError,
    );
  });
});
