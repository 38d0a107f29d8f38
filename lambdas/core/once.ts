/** A value built on first use and kept for the life of the container (SDK clients, adapters). */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
