/** Reads `--name value` flags into a map; a flag without a value, or a stray word, is an error. */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>()
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i] as string
    const value = argv[i + 1]
    if (!name.startsWith('--') || name.length < 3) throw new TypeError(`expected --name value, got ${name}`)
    if (value === undefined || value.startsWith('--')) throw new TypeError(`${name} needs a value`)
    flags.set(name.slice(2), value)
  }
  return flags
}

/** A positive integer flag, or its default; `1e6` and `200_000` are accepted. */
export function intFlag(flags: ReadonlyMap<string, string>, name: string, fallback: number, min = 1): number {
  const raw = flags.get(name)
  if (raw === undefined) return fallback
  const value = Number(raw.replaceAll('_', ''))
  if (!Number.isInteger(value) || value < min)
    throw new TypeError(`--${name} must be an integer >= ${min}, got ${raw}`)
  return value
}

/** A comma-separated list flag whose items must come from `allowed`. */
export function listFlag<T extends string>(
  flags: ReadonlyMap<string, string>,
  name: string,
  allowed: readonly T[],
): T[] {
  const raw = flags.get(name)
  if (raw === undefined) return [...allowed]
  const items = raw.split(',').map((s) => s.trim())
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item))
      throw new TypeError(`--${name}: ${item} is not one of ${allowed.join(', ')}`)
  }
  return items as T[]
}

/** A required string flag. */
export function stringFlag(flags: ReadonlyMap<string, string>, name: string, fallback?: string): string {
  const value = flags.get(name) ?? fallback
  if (value === undefined) throw new TypeError(`--${name} is required`)
  return value
}

/** A comma-separated list of integers (each as intFlag reads one), or its default. */
export function intListFlag(
  flags: ReadonlyMap<string, string>,
  name: string,
  fallback: readonly number[],
  min = 1,
): number[] {
  const raw = flags.get(name)
  if (raw === undefined) return [...fallback]
  return raw.split(',').map((item) => intFlag(new Map([[name, item.trim()]]), name, 0, min))
}

/**
 * Takes switches (flags without a value, like `--quick`) out of argv, so the rest parses as pairs.
 * Only the named switches are taken: anything else still has to come with a value.
 */
export function takeSwitches(
  argv: readonly string[],
  names: readonly string[],
): { switches: Set<string>; rest: string[] } {
  const switches = new Set<string>()
  const rest: string[] = []
  for (const arg of argv) {
    const name = arg.startsWith('--') ? arg.slice(2) : undefined
    if (name !== undefined && names.includes(name)) switches.add(name)
    else rest.push(arg)
  }
  return { switches, rest }
}
