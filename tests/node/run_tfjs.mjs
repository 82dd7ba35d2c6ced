// Run TF.js graph models with the pure-JS @tensorflow/tfjs CPU backend, for posekit's
// converter equivalence tests.
//
//   node run_tfjs.mjs jobs.json
//
// jobs.json: [{"model": "/abs/model.json", "out_dir": "/abs/dir",
//              "inputs": [{"name": "<signature input key>", "file": "/abs/x.bin",
//                          "dtype": "float32"|"int32", "shape": [1, 256, 256, 3]}],
//              "outputs": {"<signature output key>": "<tensor name>", ...}}, ...]
// Inputs are raw little-endian arrays. For every output the script writes
// out_dir/<index>.bin (raw float32/int32) and out_dir/outputs.json with
// [{"key", "file", "dtype", "shape"}], plus the run time.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

function localHandler(modelPath) {
  return {
    load: async () => {
      const spec = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
      const dir = path.dirname(modelPath);
      const weightSpecs = [];
      const buffers = [];
      for (const group of spec.weightsManifest || []) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
      }
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      return {
        modelTopology: spec.modelTopology,
        format: spec.format,
        generatedBy: spec.generatedBy,
        convertedBy: spec.convertedBy,
        signature: spec.signature,
        userDefinedMetadata: spec.userDefinedMetadata,
        modelInitializer: spec.modelInitializer,
        weightSpecs,
        weightData,
      };
    },
  };
}

function readInput(inp) {
  const buf = fs.readFileSync(inp.file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const data = inp.dtype === 'int32' ? new Int32Array(ab) : new Float32Array(ab);
  return tf.tensor(data, inp.shape, inp.dtype);
}

async function main() {
  await tf.setBackend('cpu');
  await tf.ready();
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const job of jobs) {
    const model = await tf.loadGraphModel(localHandler(job.model));
    const feeds = {};
    for (const inp of job.inputs) feeds[inp.name] = readInput(inp);
    const keys = Object.keys(job.outputs);
    const names = keys.map((k) => job.outputs[k]);
    const t0 = Date.now();
    let outs = await model.executeAsync(
      job.inputs.length === 1 ? feeds[job.inputs[0].name] : feeds, names);
    const ms = Date.now() - t0;
    if (!Array.isArray(outs)) outs = [outs];
    fs.mkdirSync(job.out_dir, { recursive: true });
    const meta = [];
    for (let i = 0; i < outs.length; i++) {
      const t = outs[i];
      const data = await t.data();
      const file = path.join(job.out_dir, `${i}.bin`);
      fs.writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      meta.push({ key: keys[i], file, dtype: t.dtype, shape: t.shape });
    }
    fs.writeFileSync(path.join(job.out_dir, 'outputs.json'),
      JSON.stringify({ outputs: meta, run_ms: ms, backend: tf.getBackend(), tfjs: tf.version.tfjs }));
    tf.dispose(outs);
    tf.dispose(Object.values(feeds));
    model.dispose();
    process.stdout.write(`${path.basename(job.model)} ${ms} ms\n`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
