// The Trendyol write-back's configuration: OMS_TRENDYOL_WRITEBACK, _RATE, OMS_TRENDYOL_SELLER_CARGO and
// OMS_TRENDYOL_UNSUPPLIED_REASON, their defaults and the errors that name the variable.
import { ConfigError, loadConfig } from '../../workers/config';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.variable}: ${p.message}`);
    throw err;
  }
  return [];
}

test('defaults: on, 10 per second, marketplace cargo (no tracking push), reason 500', () => {
  expect(loadConfig({}).trendyolWriteBack).toEqual({ enabled: true, ratePerSecond: 10, sellerCargo: false, unsuppliedReasonId: 500 });
});

test('each variable sets its field', () => {
  const config = loadConfig({
    OMS_TRENDYOL_WRITEBACK: 'off',
    OMS_TRENDYOL_WRITEBACK_RATE: '2.5',
    OMS_TRENDYOL_SELLER_CARGO: 'on',
    OMS_TRENDYOL_UNSUPPLIED_REASON: '504',
  });
  expect(config.trendyolWriteBack).toEqual({ enabled: false, ratePerSecond: 2.5, sellerCargo: true, unsuppliedReasonId: 504 });
});

test('bad values are refused naming the variable', () => {
  expect(
    problems({
      OMS_TRENDYOL_WRITEBACK: 'yes',
      OMS_TRENDYOL_WRITEBACK_RATE: '0',
      OMS_TRENDYOL_SELLER_CARGO: 'true',
      OMS_TRENDYOL_UNSUPPLIED_REASON: '503',
    }),
  ).toEqual([
    'OMS_TRENDYOL_WRITEBACK: must be on or off',
    'OMS_TRENDYOL_WRITEBACK_RATE: must be more than 0 per second',
    'OMS_TRENDYOL_SELLER_CARGO: must be on or off',
    'OMS_TRENDYOL_UNSUPPLIED_REASON: must be one of 500, 501, 502, 504, 505, 506',
  ]);
});
