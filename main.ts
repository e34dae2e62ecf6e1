import { runSynth } from "./stacks/entry";

// `npm run synth` starts from the synth snapshot instead (stacks/snapshot-entry.ts); both run this.
runSynth(process.argv.slice(2)).then((code) => (process.exitCode = code));
