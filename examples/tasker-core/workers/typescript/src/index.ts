import { version } from "../package.json";

/** Version of this npm package: the npm rendering X.Y.(Z*1000+P) of the binding's X.Y.Z.P. */
export const VERSION: string = version;

/** The binding version X.Y.Z.P that an npm version X.Y.(Z*1000+P) stands for. */
export function bindingVersion(packageVersion: string = VERSION): string {
  const [major, minor, encoded] = packageVersion.split(".").map(Number);
  return `${major}.${minor}.${Math.floor(encoded / 1000)}.${encoded % 1000}`;
}

/** Rust core version X.Y.Z this package was built with. */
export function coreVersion(packageVersion: string = VERSION): string {
  return bindingVersion(packageVersion).split(".").slice(0, 3).join(".");
}

/** File name of the C library built from the tasker-worker-ts crate. */
export function nativeLibraryName(platform: string): string {
  if (platform === "win32") return "tasker_worker_ts.dll";
  return platform === "darwin" ? "libtasker_worker_ts.dylib" : "libtasker_worker_ts.so";
}
