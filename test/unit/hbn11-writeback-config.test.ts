// The Hepsiburada and n11 write-backs' configuration: OMS_HEPSIBURADA_WRITEBACK(_RATE), OMS_N11_WRITEBACK(_RATE) and
// OMS_N11_CANCEL_REASON, their defaults and the errors that name the variable.
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

test('defaults: both on, Hepsiburada 20 and n11 2 per second, n11 cancel reason 61 (stock-out)', () => {
  const config = loadConfig({});
  expect(config.hepsiburadaWriteBack).toEqual({ enabled: true, ratePerSecond: 20 });
  expect(config.n11WriteBack).toEqual({ enabled: true, ratePerSecond: 2, cancelReasonId: 61 });
});

test('each variable sets its field', () => {
  const config = loadConfig({
    OMS_HEPSIBURADA_WRITEBACK: 'off',
    OMS_HEPSIBURADA_WRITEBACK_RATE: '50',
    OMS_N11_WRITEBACK: 'off',
    OMS_N11_WRITEBACK_RATE: '0.5',
    OMS_N11_CANCEL_REASON: '65',
  });
  expect(config.hepsiburadaWriteBack).toEqual({ enabled: false, ratePerSecond: 50 });
  expect(config.n11WriteBack).toEqual({ enabled: false, ratePerSecond: 0.5, cancelReasonId: 65 });
});

test('bad values are refused naming the variable', () => {
  expect(
    problems({
      OMS_HEPSIBURADA_WRITEBACK: 'yes',
      OMS_HEPSIBURADA_WRITEBACK_RATE: '0',
      OMS_N11_WRITEBACK: 'true',
      OMS_N11_WRITEBACK_RATE: '20',
      OMS_N11_CANCEL_REASON: '83',
    }),
  ).toEqual([
    'OMS_HEPSIBURADA_WRITEBACK: must be on or off',
    'OMS_HEPSIBURADA_WRITEBACK_RATE: must be more than 0 per second',
    'OMS_N11_WRITEBACK: must be on or off',
    'OMS_N11_WRITEBACK_RATE: must be at most 16 per second (n11 allows 1000 requests a minute)',
    'OMS_N11_CANCEL_REASON: must be one of 61, 62, 63, 64, 65',
  ]);
});

test("a real Hepsiburada listing host needs the orders host for the write-back too, unless it is off", () => {
  const real = { HEPSIBURADA_BASE_URL: 'https://listing-external.hepsiburada.com', OMS_HEPSIBURADA_PULL_INTERVAL: 'off' };
  expect(problems(real)).toEqual([
    'HEPSIBURADA_OMS_BASE_URL: must be set when HEPSIBURADA_BASE_URL is (packages are on oms-external), or set OMS_HEPSIBURADA_WRITEBACK=off',
  ]);
  expect(problems({ ...real, OMS_HEPSIBURADA_WRITEBACK: 'off' })).toEqual([]);
});
