// The export list of an NFS server (showmount -e): MOUNT EXPORT, with the MOUNT
// port from the portmapper unless the caller knows it.
import { requireTimeoutMs } from "../require-option.ts";
import { DEFAULT_FS_TIMEOUT_MS } from "../with-fs-timeout.ts";
import { authSys } from "./auth-sys.ts";
import { mount3Export, MOUNT_PROGRAM, MOUNT_VERSION, type ExportEntry } from "./mount3.ts";
import { resolvePort } from "./portmap.ts";
import { RpcClient } from "./rpc-client.ts";

export interface ListExportsOptions {
  /** MOUNT port; asked from the portmapper when absent. */
  mountPort?: number;
  /** Portmapper port; default 111. */
  portmapPort?: number;
  timeoutMs?: number;
  /** AUTH_SYS identity; defaults to this process's uid/gid. */
  uid?: number;
  gid?: number;
  machineName?: string;
}

export async function listExports(host: string, options: ListExportsOptions = {}): Promise<ExportEntry[]> {
  const timeoutMs = requireTimeoutMs(options.timeoutMs ?? DEFAULT_FS_TIMEOUT_MS);
  const port =
    options.mountPort ??
    (await resolvePort(
      host,
      { program: MOUNT_PROGRAM, version: MOUNT_VERSION, name: "MOUNT", urlOption: "mountport" },
      { timeoutMs, ...(options.portmapPort === undefined ? {} : { port: options.portmapPort }) },
    ));
  const client = new RpcClient({
    target: { host, port, program: MOUNT_PROGRAM, version: MOUNT_VERSION, programName: "MOUNT" },
    credential: authSys({
      uid: options.uid ?? process.getuid?.() ?? 65534,
      gid: options.gid ?? process.getgid?.() ?? 65534,
      ...(options.machineName === undefined ? {} : { machineName: options.machineName }),
    }),
    timeoutMs,
    maxOutstanding: 1,
  });
  try {
    return await mount3Export(client);
  } finally {
    client.close();
  }
}
