/**
 * `lens mi` as a child process: each estimator's JSON fields and values
 * (against the library and closed forms), the text output, and the user
 * errors (exit 2, one line naming the file or flag).
 */
import assert from "node:assert/strict";
import { writeNpy } from "../core/data/npy.ts";
import { writeNpz } from "../core/data/npz.ts";
import { createRng } from "../core/rng.ts";
import { ksgMi } from "../plugins/infoplane/ksg_mi.ts";
import { correlatedGaussians, gaussianMiBits } from "../tools/known_mi.ts";
import { lens, withDir } from "./cli_helpers.ts";

Deno.test("lens mi: ksg (both kinds), binned, kde, noisy in JSON; text output", async () => {
  await withDir(async (dir) => {
    const n = 600;
    const p = correlatedGaussians(n, 2, 0.8, 7);
    writeNpy(`${dir}/x.npy`, { dtype: "f8", shape: [n, 2], data: p.x });
    writeNpy(`${dir}/y.npy`, { dtype: "f8", shape: [n, 2], data: p.y });
    // labels: two far clusters in x2
    const x2 = new Float32Array(n), lab = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      lab[i] = i % 2;
      x2[i] = (lab[i] ? 10 : -10) + p.x[2 * i];
    }
    writeNpy(`${dir}/x2.npy`, { dtype: "f4", shape: [n], data: x2 });
    writeNpy(`${dir}/lab.npy`, { dtype: "i4", shape: [n], data: lab });

    const ksg = await lens([
      "mi",
      "--x",
      `${dir}/x.npy`,
      "--y",
      `${dir}/y.npy`,
      "--format",
      "json",
    ]);
    assert.equal(ksg.code, 0, ksg.stderr);
    const k = JSON.parse(ksg.stdout);
    assert.equal(k.estimator, "ksg");
    assert.equal(k.method, "ksg1");
    assert.equal(k.n, n);
    assert.equal(k.k, 3);
    assert.equal(k.bits, ksgMi(p.x, 2, p.y, 2, n, 3).bits);
    assert.ok(Math.abs(k.bits - gaussianMiBits(2, 0.8)) < 0.2, `${k.bits}`);

    const args = ["mi", "--x", `${dir}/x2.npy`, "--y", `${dir}/lab.npy`, "--format", "json"];
    const ross = JSON.parse((await lens([...args, "--k", "5"])).stdout);
    assert.equal(ross.method, "ross");
    assert.equal(ross.k, 5);
    assert.ok(Math.abs(ross.bits - 1) < 0.01, `ross ${ross.bits}`);
    const binned = JSON.parse(
      (await lens([...args, "--estimator", "binned", "--bins", "4"])).stdout,
    );
    assert.equal(binned.bits, 1); // the two clusters fall in different bins
    assert.equal(binned.bins, 4);
    const kde = JSON.parse((await lens([...args, "--estimator", "kde"])).stdout);
    assert.ok(Math.abs(kde.upper - 1) < 1e-9 && Math.abs(kde.lower - 1) < 1e-9, kde);
    assert.equal(kde.bits, kde.upper);
    const noisy = await lens([...args, "--estimator", "noisy", "--samples", "300", "--seed", "4"]);
    const nz = JSON.parse(noisy.stdout);
    assert.ok(Math.abs(nz.bits - 1) < 1e-9 && nz.se < 1e-9 && nz.samples === 300 && nz.seed === 4);

    const renyi = JSON.parse(
      (await lens([...args, "--estimator", "renyi", "--sigma", "1"])).stdout,
    );
    assert.ok(Math.abs(renyi.bits - 1) < 1e-3, `renyi ${renyi.bits}`); // 2 separated classes
    assert.equal(renyi.n, 256); // the default subsample
    assert.equal(renyi.alpha, 1.01);
    const text = await lens(["mi", "--x", `${dir}/x2.npy`, "--y", `${dir}/lab.npy`]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^I\(X;Y\) = \d\.\d{6} bits {2}\(ksg, n = 600\)/);
    assert.match(text.stdout, /method: ross/);
  }, "layerlens-mi-");
});

Deno.test("lens mi: user errors exit 2 with one line naming the file or flag", async () => {
  await withDir(async (dir) => {
    writeNpy(`${dir}/a.npy`, { dtype: "f4", shape: [5, 2], data: new Float32Array(10) });
    writeNpy(`${dir}/b.npy`, { dtype: "f4", shape: [4], data: new Float32Array(4) });
    writeNpy(`${dir}/nan.npy`, {
      dtype: "f4",
      shape: [5],
      data: new Float32Array([1, 2, NaN, 3, 4]),
    });
    writeNpy(`${dir}/cube.npy`, { dtype: "f4", shape: [2, 2, 2], data: new Float32Array(8) });
    await Deno.writeTextFile(`${dir}/junk.npy`, "not numpy");
    writeNpy(`${dir}/ids.npy`, { dtype: "i4", shape: [5], data: new Int32Array([0, 1, 2, 3, 4]) });
    const cases: [string[], RegExp][] = [
      [["--x", `${dir}/a.npy`, "--y", `${dir}/b.npy`], /b\.npy: has 4 rows but .*a\.npy has 5/],
      [["--x", `${dir}/a.npy`, "--y", `${dir}/nan.npy`], /nan\.npy: array: element 2 is NaN/],
      [["--x", `${dir}/cube.npy`, "--y", `${dir}/a.npy`], /cube\.npy: array has shape \[2, 2, 2\]/],
      [["--x", `${dir}/junk.npy`, "--y", `${dir}/a.npy`], /junk\.npy/],
      [["--x", `${dir}/missing.npy`, "--y", `${dir}/a.npy`], /missing\.npy/],
      [["--x", `${dir}/a.npy`], /missing --y/],
      [
        ["--x", `${dir}/a.npy`, "--y", `${dir}/a.npy`, "--estimator", "mine"],
        /--estimator must be one of ksg, binned, kde, noisy, renyi/,
      ],
      [["--x", `${dir}/a.npy`, "--y", `${dir}/a.npy`, "--k", "5"], /--k 5 needs more than 5 rows/],
      [
        ["--x", `${dir}/a.npy`, "--y", `${dir}/a.npy`, "--noise-variance=-1"],
        /--noise-variance must be a number > 0/,
      ],
      [["--x", `${dir}/a.npy`, "--y", `${dir}/a.npy`, "--alpha", "1"], /--alpha must not be 1/],
      [
        ["--x", `${dir}/a.npy`, "--y", `${dir}/ids.npy`],
        /ids\.npy: no label occurs more than once/,
      ],
      [["--x", `${dir}/a.npy`, "--y", `${dir}/a.npy`, "--max-rows", "1"], /--max-rows must be/],
    ];
    for (const [args, pattern] of cases) {
      const r = await lens(["mi", ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, / {4}at /);
    }
  }, "layerlens-mi-");
});

Deno.test("lens mi --help names every flag; lens plugins lists mi-ksg and mi-noisy; analyze runs them", async () => {
  const help = await lens(["mi", "--help"]);
  assert.equal(help.code, 0);
  for (
    const flag of [
      "--x",
      "--y",
      "--estimator",
      "--k",
      "--ranks",
      "--bins",
      "--noise-variance",
      "--samples",
      "--seed",
      "--alpha",
      "--sigma",
      "--max-rows",
      "--format",
    ]
  ) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  const top = await lens(["--help"]);
  assert.match(top.stdout, /\n {2}mi {7}mutual information/);
  const plugins = await lens(["plugins"]);
  assert.match(plugins.stdout, /^mi-ksg$/m);
  assert.match(plugins.stdout, /^mi-noisy$/m);
  await withDir(async (dir) => {
    const n = 64, d = 3, rng = createRng(2, "acts");
    const acts = new Float32Array(2 * n * d).map(() => Math.tanh(rng.normal()));
    const y = new Int32Array(n).map((_, i) => i % 2);
    writeNpz(`${dir}/acts.npz`, { dense_1: { dtype: "f4", shape: [2, n, d], data: acts } });
    writeNpy(`${dir}/y.npy`, { dtype: "i4", shape: [n], data: y });
    const r = await lens([
      "analyze",
      "--activations",
      `${dir}/acts.npz`,
      "--labels",
      `${dir}/y.npy`,
      "--plugins",
      "mi-ksg,mi-noisy",
      "--db",
      `${dir}/runs.db`,
      "--format",
      "json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const records = JSON.parse(r.stdout).records ?? JSON.parse(r.stdout);
    const metrics = new Set(
      (records as { plugin: string; metric: string }[]).map((x) => `${x.plugin}:${x.metric}`),
    );
    for (
      const m of [
        "mi-ksg:ixt",
        "mi-ksg:ity",
        "mi-noisy:ixt",
        "mi-noisy:ity",
        "mi-noisy:ixt_se",
        "mi-noisy:ity_se",
      ]
    ) {
      assert.ok(metrics.has(m), `${m} in ${[...metrics].join(" ")}`);
    }
  }, "layerlens-mi-");
});
