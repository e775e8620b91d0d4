#!/usr/bin/env node
// The operator CLI. Node.js 22.18+ runs the TypeScript sources directly.
import "../src/cli/main.ts";
