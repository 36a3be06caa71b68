import { createHook } from 'node:async_hooks';

/**
 * The async_hooks types a leak check follows, with the name `process.getActiveResourcesInfo()`
 * gives the same resource (as seen on Node 20, 24 and 26). Left out: promises, ticks and
 * microtasks, which end on their own; Node's long-lived internals (the DNS channel a first
 * `net.connect` makes, a zlib stream's bindings, destroyed only when collected); and the requests
 * of a socket (connect, write, shutdown, send), which are left to the socket, followed itself.
 * `FILEHANDLE` is the one Node does not list: an open `fs/promises` handle shows nowhere else, and
 * it holds a descriptor.
 */
const LISTED_AS: Readonly<Record<string, string>> = {
  Timeout: 'Timeout',
  Immediate: 'Immediate',
  TCPWRAP: 'TCPSocketWrap',
  TCPSERVERWRAP: 'TCPServerWrap',
  PIPEWRAP: 'PipeWrap',
  PIPESERVERWRAP: 'PipeWrap',
  UDPWRAP: 'UDPWrap',
  PROCESSWRAP: 'ProcessWrap',
  FSEVENTWRAP: 'FSEventWrap',
  STATWATCHER: 'StatWatcher',
  FSREQCALLBACK: 'FSReqCallback',
  FSREQPROMISE: 'FSReqPromise',
  GETADDRINFOREQWRAP: 'GetAddrInfoReqWrap',
  GETNAMEINFOREQWRAP: 'GetNameInfoReqWrap',
  FILEHANDLE: 'FileHandle',
};

/** The names a user may give in `allowResources`, widened so that either spelling allows both. */
export function resourceNames(names: readonly string[]): Set<string> {
  return new Set(names.flatMap((name) => [name, LISTED_AS[name] ?? name]));
}

/**
 * A timer Node started unref-ed for its own bookkeeping: a socket's idle timeout (it belongs to the
 * socket, which is followed itself) or the HTTP `Date` header cache (it expires within a second).
 * A test's code cannot start one: `setTimeout`, `setInterval` and `AbortSignal.timeout` make
 * ref-ed timers, unref-ed only afterwards, so those are followed.
 */
function bornUnrefed(type: string, resource: object): boolean {
  return type === 'Timeout' && !(resource as { hasRef(): boolean }).hasRef();
}

interface Tracked {
  readonly name: string;
  /** Only for a file handle: Node destroys one when it is collected, not when it closes, so its descriptor tells. */
  readonly handle?: WeakRef<{ readonly fd: number }>;
}

/**
 * Follows, by identity, the resources created from now on until `stop()`. async_hooks costs every
 * async operation (the init hook turns on V8's promise hook), so a tracker must be stopped.
 */
export function trackResources() {
  const live = new Map<number, Tracked>();
  let following = true;
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      const name = LISTED_AS[type];
      if (name === undefined || !following || bornUnrefed(type, resource)) return;
      live.set(
        asyncId,
        type === 'FILEHANDLE' ? { name, handle: new WeakRef(resource as { readonly fd: number }) } : { name },
      );
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  return {
    /** Runs `create` without following what it creates (the check's own turns of the loop). */
    unfollowed<T>(create: () => T): T {
      following = false;
      try {
        return create();
      } finally {
        following = true;
      }
    },
    /** Stops following and counts, by `getActiveResourcesInfo()` name, what is still open. */
    async stop(): Promise<Map<string, number>> {
      // Node delivers a destroy at the start of the next turn (it queues them): one more turn,
      // following nothing new, so that what closed in the last turn is not taken for open.
      following = false;
      await new Promise((resolve) => setImmediate(resolve));
      hook.disable();
      const open = new Map<string, number>();
      for (const { name, handle } of live.values()) {
        // A collected handle was closed by Node on collection, with a warning the check reports.
        if (handle && (handle.deref()?.fd ?? -1) < 0) continue;
        open.set(name, (open.get(name) ?? 0) + 1);
      }
      live.clear();
      return open;
    },
  };
}
