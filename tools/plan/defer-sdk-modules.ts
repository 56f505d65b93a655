// Lazy stand-ins for two modules @pulumi/pulumi loads at import but a mock evaluation never uses.
//
// @pulumi/pulumi 3.248 requires, at import time:
//   typescript        from typescript-shim.js, for closure serialisation (runtime/closure/parseFunction.js uses
//                     it only inside parseFunction); about 0.3 s and 9 MB of source;
//   @npmcli/arborist  from runtime/closure/codePaths.js, for package discovery of serialised closures (only inside
//                     computeCodePaths); 248 modules, about 0.35 s.
// A plan registers resources under mocks and serialises no function, so it never needs either. Each is replaced by
// a proxy that loads the real module on first use: if a future SDK does use one during a plan, it still works, and
// `materialized` says so (tests/tools/defer.test.ts fails loudly on it, and on an SDK that stops requiring them).
// Only the plan tool installs this; `pulumi up` runs the program without it.
import Module from "node:module";

/** A module the SDK requires that the plan defers: the request, and the SDK file that makes it. */
export interface DeferredModule {
  /** The string passed to require(). */
  readonly request: string;
  /** Path of the requiring file inside node_modules (with / separators). */
  readonly from: string;
}

/** What is deferred. Changing the SDK version means checking this list (the test does). */
export const DEFERRED_MODULES: readonly DeferredModule[] = [
  { request: "typescript", from: "@pulumi/pulumi/typescript-shim.js" },
  { request: "@npmcli/arborist", from: "@pulumi/pulumi/runtime/closure/codePaths.js" },
];

/** Requests that were deferred, in order; and those whose real module was then loaded after all. */
export const deferred: string[] = [];
export const materialized: string[] = [];

type Load = (request: string, parent: NodeJS.Module | undefined, isMain: boolean) => unknown;

/**
 * A stand-in that behaves as the real module (and as `__importStar` of it) once touched. It says `__esModule`, so
 * TypeScript's `__importStar` returns it as it is instead of copying the real module's keys (which would load it).
 */
function standIn(request: string, load: () => Record<PropertyKey, unknown>): object {
  let real: Record<PropertyKey, unknown> | undefined;
  const get = () => {
    if (!real) {
      materialized.push(request);
      real = load();
    }
    return real;
  };
  return new Proxy(
    {},
    {
      get(_, prop) {
        if (prop === "__esModule") return true;
        const mod = get();
        if (prop === "default" && !mod.__esModule) return mod;
        return mod[prop];
      },
      has: (_, prop) => prop in get(),
      ownKeys: () => Reflect.ownKeys(get()),
      getOwnPropertyDescriptor: (_, prop) => {
        const d = Reflect.getOwnPropertyDescriptor(get(), prop);
        return d ? { ...d, configurable: true } : undefined;
      },
    },
  );
}

let installed = false;

/** Installs the stand-ins; call before anything requires @pulumi/pulumi. Idempotent. */
export function deferSdkModules(): void {
  if (installed) return;
  installed = true;
  const internal = Module as unknown as { _load: Load };
  const original = internal._load;
  internal._load = function (this: unknown, request, parent, isMain) {
    const from = parent?.filename?.split("\\").join("/") ?? "";
    const hit = DEFERRED_MODULES.find(
      (m) => m.request === request && from.endsWith(`/node_modules/${m.from}`),
    );
    if (!hit) return original.call(this, request, parent, isMain);
    deferred.push(request);
    return standIn(
      request,
      () => original.call(this, request, parent, isMain) as Record<PropertyKey, unknown>,
    );
  };
}

deferSdkModules();
