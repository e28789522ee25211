import { openStore } from "./core/store.ts";
const s = openStore("/tmp/h9t/k.db");
const id = s.createRun({ name: "k", config: {}, seeds: [0], backend: "x", engine: "x", versions: {} });
s.appendResults(id, [{ plugin: "p", layer: "l", epoch: 0, seed: 0, index: 0, metric: "m", value: 1 }]);
console.log("ready"); await new Promise(() => setTimeout(() => {}, 100000));
