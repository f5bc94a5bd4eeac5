function fail(reason: string): never {
    throw new Error(reason);
}
fail("boom");
