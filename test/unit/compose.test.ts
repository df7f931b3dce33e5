// docker-compose.yml is the production topology the README hands to users. There is no Docker engine here, so
// these tests read it as compose would (YAML with merge keys, ${VAR} interpolation) and check what would break a
// `docker compose up`: services the README promises, OMS environments the real configuration loader accepts (and
// that set no variable it ignores), addresses that name real services and ports, and commands that run files the
// image's build produces.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig, type AppConfig } from '../../workers/config';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: (string | number)[];
  expose?: (string | number)[];
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as { services?: Record<string, Service> };
const services = compose.services ?? {};
const OMS_SERVICES = ['api', 'worker'] as const;

/** What a deployment sets: the secrets compose insists on, as an operator's .env would give them. */
const DEPLOYMENT_ENV: Record<string, string> = {
  POSTGRES_PASSWORD: 'pg-secret',
  OMS_API_KEYS: 'webstore=webstore-key-123,trendyol=trendyol-key-123',
  OMS_OPERATOR_KEYS: 'alice=alice-key-1234',
  OMS_WEBHOOK_SECRET: 'webhook-secret-0123456789',
  TRENDYOL_WEBHOOK_PASSWORD: 'trendyol-webhook-0123456789',
};

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/**
 * Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?message}` (the forms this file uses): a
 * required variable that is unset or empty fails, as `docker compose up` does.
 */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (_all, name: string, op?: string, arg?: string) => {
    const value = env[name];
    const unset = value === undefined || (op?.startsWith(':') === true && value === '');
    if (op?.endsWith('?') && unset) throw new Error(`required variable ${name} is missing: ${arg}`);
    if (op?.endsWith('-') && unset) return arg ?? '';
    return value ?? '';
  });
}

/** A service's environment after interpolation; compose accepts a map or a list of KEY=value. */
function environment(name: string, env = DEPLOYMENT_ENV): Record<string, string> {
  const raw = service(name).environment ?? {};
  const entries: [string, string][] = Array.isArray(raw)
    ? raw.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      })
    : Object.entries(raw).map(([k, v]) => [k, v === null ? '' : String(v)]);
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v, env)]));
}

function dependsOn(name: string): string[] {
  const deps = service(name).depends_on ?? [];
  return Array.isArray(deps) ? deps : Object.keys(deps);
}

function command(name: string): string[] {
  const cmd = service(name).command ?? [];
  return Array.isArray(cmd) ? cmd : cmd.split(/\s+/);
}

/** The container ports a service listens on that others can reach: published (`host:container`) or exposed. */
function containerPorts(name: string): number[] {
  const s = service(name);
  return [...(s.ports ?? []).map((p) => String(p).split(':').pop()!), ...(s.expose ?? []).map(String)].map(Number);
}

describe('docker-compose.yml', () => {
  it('has exactly the services the README describes', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('## Scaling past one machine'));
    const paragraph = section.split('\n\n')[1] ?? '';
    const described = [...paragraph.matchAll(/`([a-z][a-z-]*)`/g)].map((m) => m[1]!);
    expect(described.length).toBeGreaterThan(0);
    expect(Object.keys(services).sort()).toEqual([...new Set(described)].sort());
  });

  it('refuses to start without each secret (compose fails on ${VAR:?})', () => {
    for (const secret of Object.keys(DEPLOYMENT_ENV)) {
      const { [secret]: _missing, ...rest } = DEPLOYMENT_ENV;
      const failures = OMS_SERVICES.flatMap((name) => {
        try {
          environment(name, rest);
          return [];
        } catch (err) {
          return [(err as Error).message];
        }
      });
      expect([secret, failures.length]).toEqual([secret, OMS_SERVICES.length]);
    }
  });

  it('depends only on services it defines', () => {
    for (const name of Object.keys(services)) {
      for (const dep of dependsOn(name)) expect([name, dep, dep in services]).toEqual([name, dep, true]);
    }
  });

  describe.each(OMS_SERVICES)('the OMS %s', (name) => {
    const env = environment(name);
    let config: AppConfig;
    beforeAll(() => {
      config = loadConfig(env);
    });

    it('sets only variables the configuration reads', () => {
      const unknown = Object.keys(env).filter((v) => !CONFIG_VARIABLES.includes(v));
      expect(unknown).toEqual([]);
    });

    it('is accepted by the real configuration loader, with no dev default left', () => {
      expect(config.usingDevDefaults).toEqual({ apiKeys: false, operatorKeys: false, webhookSecret: false, databaseUrl: false, trendyolWebhook: false });
      expect(config.apiKeys).toEqual({ webstore: 'webstore-key-123', trendyol: 'trendyol-key-123' });
      expect(config.operatorKeys).toEqual([{ name: 'alice', key: 'alice-key-1234' }]);
    });

    it('reaches Temporal at a service and port that exist', () => {
      const [host, port] = (config.temporal.address ?? '').split(':');
      expect(containerPorts(host!)).toContain(Number(port));
      expect(dependsOn(name)).toContain(host);
    });

    it("uses the PostgreSQL service's OMS database with its credentials", () => {
      const url = new URL(config.databaseUrl);
      const pg = environment(url.hostname);
      expect(url.protocol).toBe('postgresql:');
      expect(isPostgres(service(url.hostname).image)).toBe(true);
      expect(`${url.username}:${url.password}@${url.pathname}`).toBe(`${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@/${pg.POSTGRES_DB}`);
      expect(dependsOn(name)).toContain(url.hostname);
    });

    it('runs its own role from the compiled build, with node and no transpiler', () => {
      const [bin, entry] = command(name);
      expect(bin).toBe('node');
      expect(entry).toBe(`dist/workers/${name}.js`);
      // The build compiles workers/<role>.ts to that file (tsconfig.build.json's rootDir is the project root).
      expect(existsSync(join(ROOT, 'workers', `${name}.ts`))).toBe(true);
      const build = JSON.parse(read('tsconfig.build.json').replace(/^\s*\/\/.*$/gm, '')) as {
        compilerOptions: { outDir: string; rootDir: string };
        include: string[];
      };
      expect([build.compilerOptions.outDir, build.compilerOptions.rootDir, build.include.includes('workers')]).toEqual(['dist', '.', true]);
    });

    it('is built from the Dockerfile, whose runtime stage holds the built dist/', () => {
      const b = service(name).build;
      const context = typeof b === 'string' ? b : b?.context;
      const dockerfile = read((typeof b === 'object' && b.dockerfile) || 'Dockerfile');
      expect(context).toBe('.');
      const stages = dockerfile.split(/^FROM /m).slice(1);
      const buildStage = stages.find((s) => /^RUN npm run build$/m.test(s));
      const runtime = stages.at(-1) ?? '';
      expect(buildStage).toBeDefined();
      expect(runtime).toMatch(/^COPY --from=\S+ \/app\/dist dist$/m);
      expect(runtime).toMatch(/^RUN npm ci --omit=dev\b/m);
      expect(runtime).not.toMatch(/\btsx\b/);
    });
  });

  it("publishes the API's container port at the PORT it listens on", () => {
    expect(containerPorts('api')).toContain(loadConfig(environment('api')).port);
  });

  it("exposes the worker's /metrics and Temporal SDK metrics ports", () => {
    const config = loadConfig(environment('worker'));
    expect(containerPorts('worker')).toContain(config.metrics.workerPort);
    expect(containerPorts('worker')).toContain(Number(config.metrics.temporalAddress?.split(':')[1]));
  });
});

function isPostgres(image: string | undefined): boolean {
  return /^(docker\.io\/)?(library\/)?postgres(:|$)/.test(image ?? '');
}
