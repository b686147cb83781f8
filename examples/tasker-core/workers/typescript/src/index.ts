import { version } from "../package.json";

/** Version of this npm package (0.1.N.P, tracks the Rust core 0.1.N). */
export const VERSION: string = version;

/** Rust core version this package tracks: the first three version parts. */
export function coreVersion(packageVersion: string = VERSION): string {
  return packageVersion.split(".").slice(0, 3).join(".");
}

/** File name of the C library built from the tasker-worker-ts crate. */
export function nativeLibraryName(platform: string): string {
  if (platform === "win32") return "tasker_worker_ts.dll";
  return platform === "darwin" ? "libtasker_worker_ts.dylib" : "libtasker_worker_ts.so";
}
