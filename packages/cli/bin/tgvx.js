#!/usr/bin/env node
// Thin launcher so the bin link exists before `tsc -b` has produced dist/.
import { main } from "../dist/index.js";
process.exitCode = await main(process.argv);
