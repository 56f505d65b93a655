// Loaded before every test file (node --import build/tests/setup.js): the SDK modules a mock evaluation never uses
// are deferred, as in the plan; tests/tools/defer.test.ts proves a plan never needs them.
import "../tools/plan/defer-sdk-modules";
