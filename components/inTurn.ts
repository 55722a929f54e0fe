/**
 * Builds one item per turn of the event loop. The Pulumi SDK registers each resource through a
 * chain of promises (inputs serialized, parent and dependencies awaited, the request sent). Built
 * in one synchronous loop, a thousand namespaces (fifteen thousand resources) have every chain in
 * flight at once: the offline plan measured 2.6 GiB and 29 s for the program, most of it in the
 * garbage collector. Yielding between items lets each one's chain run until it waits on the engine
 * before the next begins (0.6 GiB, 12 s). Against a real engine the requests still go out as fast
 * as the program makes them and are deployed in parallel as before.
 */
export async function buildInTurn<T, R>(items: readonly T[], build: (item: T) => R): Promise<R[]> {
    const built: R[] = [];
    for (const item of items) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        built.push(build(item));
    }
    return built;
}
