#!/usr/bin/env node
// Thin launcher so the bin link exists before `tsc -b` has produced dist/.
import { main } from "../dist/index.js";

// `tgvx ... | head` closes the pipe early: stop quietly, as other command-line tools do.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});
process.exitCode = await main(process.argv);
