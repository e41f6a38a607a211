// zkclaims peer benchmark: snarkjs Groth16 on BLS12-381, in ONE Node.js process.
//
// Usage: node snarkjs_bench.mjs JOB.json
//   JOB.json = {
//     "snarkjs_prefix": "/abs/path/.cache/peers",   // where `npm install --prefix` put snarkjs
//     "work_dir": "/abs/path/for/ptau-and-zkeys",    // powers of tau are cached here
//     "repeats": 5, "warmup": 1,
//     "circuits": [{"name": "claim", "r1cs": "/abs/x.r1cs", "wtns": "/abs/x.wtns"}, ...]
//   }
// Prints one JSON object on stdout (the last line); progress goes to stderr.
//
// For each circuit: snarkjs does its own setup (powers of tau for the curve, phase 2 with one
// random contribution), then proves with groth16.prove(zkey, wtns) and verifies with
// groth16.verify(vk, publicSignals, proof). The zkey and the witness are read into memory
// once, so the timed calls do no disk I/O (our prover also takes its key from memory). Times
// come from process.hrtime.bigint(), after `warmup` untimed calls, in nanoseconds.
import { readFileSync, existsSync, mkdirSync, renameSync, statSync, unlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import os from "node:os";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const require = createRequire(join(job.snarkjs_prefix, "package.json"));
const snarkjs = require("snarkjs");
const snarkjsVersion = JSON.parse(
  readFileSync(join(job.snarkjs_prefix, "node_modules", "snarkjs", "package.json"), "utf8")).version;

const log = (msg) => process.stderr.write(`[snarkjs] ${msg}\n`);
const now = () => process.hrtime.bigint();
const mem = (path) => ({ type: "mem", data: new Uint8Array(readFileSync(path)) });

function r1csInfo(path) {
  // iden3 .r1cs header: magic, version, nSections, then (type u32, size u64, content)...
  const b = readFileSync(path);
  let off = 12;
  while (off < b.length) {
    const type = b.readUInt32LE(off);
    const size = Number(b.readBigUInt64LE(off + 4));
    if (type === 1) {
      const h = off + 12;
      const n8 = b.readUInt32LE(h);
      const p = h + 4 + n8;
      return {
        nWires: b.readUInt32LE(p), nPubOut: b.readUInt32LE(p + 4),
        nPubIn: b.readUInt32LE(p + 8), nConstraints: b.readUInt32LE(p + 24),
      };
    }
    off += 12 + size;
  }
  throw new Error(`${path}: no header section`);
}

async function ptauFor(power) {
  // A phase-1 file of 2^power (or the smallest bigger one already made), made once and cached:
  // new accumulator, one random contribution, prepared for phase 2. It does not depend on the
  // circuit, so later runs reuse it; its cost is reported as ptau_seconds when made.
  for (let p = power; p <= 20; p++) {
    const f = join(job.work_dir, `bls12381_${p}_final.ptau`);
    if (existsSync(f) && statSync(f).size > 0) return { path: f, seconds: null };
  }
  const final = join(job.work_dir, `bls12381_${power}_final.ptau`);
  const t0 = now();
  const p0 = join(job.work_dir, `bls12381_${power}_0.ptau`);
  const p1 = join(job.work_dir, `bls12381_${power}_1.ptau`);
  const curve = await snarkjs.curves.getCurveFromName("bls12381");
  log(`powers of tau 2^${power}: one-off (minutes for 2^13 and up), cached in ${job.work_dir}`);
  await snarkjs.powersOfTau.newAccumulator(curve, power, p0);
  await snarkjs.powersOfTau.contribute(p0, p1, "zkclaims-bench", randomBytes(32).toString("hex"));
  log(`powers of tau 2^${power}: prepare phase 2`);
  await snarkjs.powersOfTau.preparePhase2(p1, `${final}.partial`);
  renameSync(`${final}.partial`, final); // only a complete file carries the final name
  unlinkSync(p0);
  unlinkSync(p1);
  return { path: final, seconds: Number(now() - t0) / 1e9 };
}

async function timeIt(fn, repeats, warmup) {
  for (let i = 0; i < warmup; i++) await fn();
  const samples = [];
  let last;
  // process.cpuUsage() counts every thread of the process (snarkjs's workers included):
  // cpu / wall is the average number of cores the timed calls kept busy.
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < repeats; i++) {
    const t0 = now();
    last = await fn();
    samples.push(Number(now() - t0));
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = samples.reduce((a, b) => a + b, 0);
  return { samples_ns: samples, last, cores: ((cpu.user + cpu.system) * 1000) / wall };
}

async function main() {
  mkdirSync(job.work_dir, { recursive: true });
  const out = {
    tool: "snarkjs", version: snarkjsVersion, node: process.version,
    threads: os.cpus().length, circuits: [],
  };
  // snarkjs's domain holds the constraints plus one row per public input and the constant;
  // one phase-1 file of the largest power serves every circuit of the job.
  const powers = job.circuits.map((c) => {
    const info = r1csInfo(c.r1cs);
    const rows = info.nConstraints + info.nPubIn + info.nPubOut + 1;
    let power = 1;
    while ((1 << power) < rows) power++;
    return { info, power };
  });
  const ptau = await ptauFor(Math.max(8, ...powers.map((p) => p.power)));
  out.ptau = { file: ptau.path.split("/").pop(), seconds: ptau.seconds };
  for (const [i, c] of job.circuits.entries()) {
    const { info, power } = powers[i];
    const tSetup = now();
    const z0 = join(job.work_dir, `${c.name}_0.zkey`);
    const z1 = join(job.work_dir, `${c.name}_1.zkey`);
    await snarkjs.zKey.newZKey(c.r1cs, ptau.path, z0);
    await snarkjs.zKey.contribute(z0, z1, "zkclaims-bench", randomBytes(32).toString("hex"));
    const vk = await snarkjs.zKey.exportVerificationKey(z1);
    const setupSeconds = Number(now() - tSetup) / 1e9;
    const zkey = mem(z1);
    const wtns = mem(c.wtns);
    log(`${c.name}: ${info.nConstraints} constraints, domain 2^${power}; proving`);
    // The first circuit also warms the process up (JIT, worker threads): 3 more untimed runs.
    const warmup = job.warmup + (i === 0 ? 3 : 0);
    const prove = await timeIt(() => snarkjs.groth16.prove(zkey, wtns), job.repeats, warmup);
    const { proof, publicSignals } = prove.last;
    const verify = await timeIt(
      () => snarkjs.groth16.verify(vk, publicSignals, proof), job.repeats, warmup);
    if (verify.last !== true) throw new Error(`${c.name}: snarkjs rejected its own proof`);
    out.circuits.push({
      name: c.name, constraints: info.nConstraints, n_public: info.nPubIn + info.nPubOut,
      domain_power: power, setup_seconds: setupSeconds,
      prove_ns: prove.samples_ns, verify_ns: verify.samples_ns, verified: verify.last,
      prove_cores: prove.cores, verify_cores: verify.cores,
      public_signals: publicSignals,
    });
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().then(
  () => process.exit(0), // snarkjs keeps worker threads alive: leave explicitly
  (err) => { process.stderr.write(`[snarkjs] error: ${err.stack || err}\n`); process.exit(1); },
);
