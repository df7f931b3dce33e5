// docker-compose.yml is the production topology the README hands to users; there is no Docker engine here, so these
// tests read it as compose would (YAML with merge keys, ${VAR} interpolation) and check that the parts are wired up.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMPOSE_SOURCE = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const SERVICES_IN_README = ['postgresql', 'temporal', 'temporal-ui', 'api', 'worker'];
const OMS_SECRETS = ['OMS_API_KEYS', 'OMS_OPERATOR_KEYS', 'OMS_WEBHOOK_SECRET'];

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: (string | number)[];
}

const compose = parse(COMPOSE_SOURCE, { merge: true }) as { services?: Record<string, Service> };
const services = compose.services ?? {};

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** Compose accepts `environment` as a map or as a list of KEY=value; tests read both the same way. */
function environment(name: string): Record<string, string> {
  const env = service(name).environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** What compose substitutes for `${VAR}`, `${VAR:-default}` and `${VAR:?message}` when VAR is set to `value`. */
function interpolate(text: string, value = 'secret'): string {
  return text.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?][^}]*)?\}/g, value);
}

function dependsOn(name: string): string[] {
  const deps = service(name).depends_on ?? [];
  return Array.isArray(deps) ? deps : Object.keys(deps);
}

function commandOf(name: string): string {
  const command = service(name).command;
  return Array.isArray(command) ? command.join(' ') : (command ?? '');
}

const isPostgresImage = (image: string | undefined) => /^(docker\.io\/)?(library\/)?postgres(:|$)/.test(image ?? '');

describe('docker-compose.yml', () => {
  it('names every service the README describes', () => {
    expect(Object.keys(services).sort()).toEqual(expect.arrayContaining(SERVICES_IN_README));
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('docker-compose.yml');
  });

  it('runs PostgreSQL from the official image, with the OMS database created', () => {
    const pg = service('postgresql');
    expect(isPostgresImage(pg.image)).toBe(true);
    expect(environment('postgresql').POSTGRES_DB).toBe('oms');
  });

  it('runs Temporal on the PostgreSQL service', () => {
    const temporal = service('temporal');
    expect(temporal.image).toMatch(/^temporalio\/(auto-setup|server):\d+\.\d+/);
    const env = environment('temporal');
    expect(env.DB).toMatch(/^postgres(ql|12)$/);
    expect(env.POSTGRES_SEEDS).toBe('postgresql');
    expect(isPostgresImage(service(env.POSTGRES_SEEDS!).image)).toBe(true);
    expect(env.POSTGRES_USER).toBe(environment('postgresql').POSTGRES_USER);
    expect(env.POSTGRES_PWD).toBe(environment('postgresql').POSTGRES_PASSWORD);
    expect(dependsOn('temporal')).toContain('postgresql');
  });

  it('points the Temporal UI at the Temporal service', () => {
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:\d+\.\d+/);
    expect(environment('temporal-ui').TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  describe.each([
    ['api', 'start:api'],
    ['worker', 'start:worker'],
  ])('the OMS %s', (name, script) => {
    it(`runs \`npm run ${script}\`, a script package.json defines`, () => {
      expect(commandOf(name)).toBe(`npm run ${script}`);
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      expect(pkg.scripts[script]).toBeDefined();
    });

    it('is built from the Dockerfile, which installs with npm ci', () => {
      const build = service(name).build;
      const context = typeof build === 'string' ? build : build?.context;
      const dockerfile = (typeof build === 'object' && build.dockerfile) || 'Dockerfile';
      expect(context).toBe('.');
      const path = join(ROOT, dockerfile);
      expect(existsSync(path)).toBe(true);
      expect(readFileSync(path, 'utf8')).toMatch(/^RUN npm ci\b/m);
    });

    it('gets TEMPORAL_ADDRESS of the temporal service', () => {
      expect(environment(name).TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(dependsOn(name)).toContain('temporal');
    });

    it('gets a DATABASE_URL on the postgresql service and its oms database', () => {
      const raw = environment(name).DATABASE_URL ?? '';
      const url = new URL(interpolate(raw));
      expect(url.protocol).toBe('postgresql:');
      expect(url.hostname).toBe('postgresql');
      expect(url.port).toBe('5432');
      expect(url.pathname).toBe(`/${environment('postgresql').POSTGRES_DB}`);
      expect(url.username).toBe(environment('postgresql').POSTGRES_USER);
      expect(dependsOn(name)).toContain('postgresql');
    });

    it('takes its keys and secrets from the environment, never the dev defaults', () => {
      const env = environment(name);
      for (const variable of OMS_SECRETS) {
        expect([variable, env[variable]]).toEqual([
          variable,
          expect.stringMatching(new RegExp(`^\\$\\{${variable}:\\?`)),
        ]);
      }
      expect(COMPOSE_SOURCE).not.toMatch(/dev-[a-z]+-key|dev-webhook-secret/);
    });
  });

  it('publishes the API on 3000 and the UI on 8233, as npm start does', () => {
    expect(service('api').ports).toContain('3000:3000');
    expect(environment('api').PORT).toBe('3000');
    expect(service('temporal-ui').ports).toContain('8233:8080');
  });
});
