#!/usr/bin/env node
// Entry point of the `spot-optimizer` command: loads the TypeScript sources through tsx, so there is no build step.
import { register } from "tsx/esm/api";

register();
await import("../cli.ts");
