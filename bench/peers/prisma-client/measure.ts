// Prisma Client 7's side of pgkit_client_bench (bench/client_vs_query.cpp): the three calls the
// C++ side makes with pgkit's generated client, made here with the Prisma Client that `prisma
// generate` wrote from the same schema.prisma, on node-postgres through @prisma/adapter-pg.
//
//   node --import tsx measure.ts --client DIR/client.ts [--calls 20000] [--warmup 1000] [--in-flight 1]
//
// DATABASE_URL comes from the environment (it holds the password, so never argv). For each call:
// WARMUP calls, then CALLS counted; --in-flight N keeps N calls running (N loops, each awaiting
// one call at a time, on a pool of N connections: 1 is sequential). Reported per call, as one
// line of JSON on stdout: this process's CPU (process.cpuUsage, user + system) and wall time
// over the counted calls, divided by CALLS, e.g.
//   {"in_flight":1,"calls":20000,"find_unique.cpu_us":210.5,"find_unique.wall_us":260.1,…}
import { PrismaPg } from '@prisma/adapter-pg';
import { pathToFileURL } from 'node:url';

type Options = { client: string; calls: number; warmup: number; inFlight: number };

function options(): Options {
  const o: Options = { client: '', calls: 20000, warmup: 1000, inFlight: 1 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (key === '--client' && value) o.client = value;
    else if (key === '--calls' && Number(value) >= 1) o.calls = Number(value);
    else if (key === '--warmup' && Number(value) >= 0) o.warmup = Number(value);
    else if (key === '--in-flight' && Number(value) >= 1) o.inFlight = Number(value);
    else throw new Error(`bad argument ${key} ${value ?? ''} (want --client FILE, --calls/--warmup/--in-flight N)`);
  }
  if (!o.client) throw new Error('--client: the client.ts that `prisma generate` wrote');
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set');
  return o;
}

// What the C++ side's client calls do (bench/client_vs_query.cpp), with the same arguments for i.
// The values are summed into sink, as the C++ side's g_sink, so that each result is read.
let sink = 0;
function calls(prisma: any): [string, (i: number) => Promise<void>][] {
  return [
    [
      'find_unique',
      async (i) => {
        const u = await prisma.user.findUnique({ where: { id: 1 + (i % 1000) } });
        sink += u.id;
      },
    ],
    [
      'find_many_include',
      async (i) => {
        const posts = await prisma.post.findMany({
          where: { published: true, id: { gt: i % 19000 } },
          orderBy: { id: 'asc' },
          take: 20,
          include: { author: true },
        });
        sink += posts[posts.length - 1].author.id;
      },
    ],
    [
      'create',
      async (i) => {
        const p = await prisma.post.create({ data: { title: 'Hello', content: 'text', authorId: 1 + (i % 1000) } });
        sink += p.id;
      },
    ],
  ];
}

// n calls of call(0 … n-1), inFlight at a time: each loop takes the next i when its call ends.
async function run(n: number, inFlight: number, call: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const loop = async () => {
    while (next < n) await call(next++);
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
}

async function main(): Promise<void> {
  const o = options();
  const { PrismaClient } = await import(pathToFileURL(o.client).href);
  const adapter = new PrismaPg({ connectionString: process.env.DATABASE_URL, max: o.inFlight });
  const prisma = new PrismaClient({ adapter });
  await prisma.$connect();
  const out: Record<string, number | string> = {
    node: process.version,
    in_flight: o.inFlight,
    calls: o.calls,
    warmup: o.warmup,
  };
  for (const [name, call] of calls(prisma)) {
    await run(o.warmup, o.inFlight, call);
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await run(o.calls, o.inFlight, call);
    const wall = Number(process.hrtime.bigint() - t0) / 1e3;
    const cpu = process.cpuUsage(cpu0);
    out[`${name}.cpu_us`] = (cpu.user + cpu.system) / o.calls;
    out[`${name}.wall_us`] = wall / o.calls;
  }
  await prisma.$disconnect();
  out.sink = sink % 1000;
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(`measure.ts: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
