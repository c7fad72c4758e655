// A set of SHA-256 digests in 16 bytes each, for garbage collection's "is this referenced?" over
// stores of millions of objects: a JS Set of 64-character strings costs ~110 bytes per digest.
// It keeps only the first 64 bits of each digest (open addressing over a Uint32Array), so `has` may
// say yes for a digest never added: 64-bit prefixes of SHA-256 collide with probability ~n²/2⁶⁵,
// and a chosen collision with a given digest needs ~2⁶⁴ work. Callers use it only where a false yes
// is safe: garbage collection then keeps a blob it could have deleted, never the other way round.

const minCapacity = 1024;

/** Hex digests (the 64 hex characters, no `sha256:`) kept by their 64-bit prefix. */
export class DigestSet {
  // Pairs (high, low) of 32 bits; (0, 0) marks an empty slot, so that one prefix lives in `zero`.
  private slots: Uint32Array;
  private count = 0;
  private zero = false;

  constructor(expected = 0) {
    let capacity = minCapacity;
    while (capacity < expected * 2) capacity *= 2;
    this.slots = new Uint32Array(capacity * 2);
  }

  /** How many distinct prefixes are held. */
  get size(): number {
    return this.count + (this.zero ? 1 : 0);
  }

  /** Memory held, in bytes. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Adds a digest given as at least 16 hex characters. */
  add(hex: string): void {
    const [high, low] = prefixOf(hex);
    if (high === 0 && low === 0) {
      this.zero = true;
      return;
    }
    if ((this.count + 1) * 2 > this.slots.length / 2) this.grow();
    if (insert(this.slots, high, low)) this.count += 1;
  }

  /** Whether a digest with the same 64-bit prefix was added. */
  has(hex: string): boolean {
    const [high, low] = prefixOf(hex);
    if (high === 0 && low === 0) return this.zero;
    const mask = this.slots.length / 2 - 1;
    for (let slot = low & mask; ; slot = (slot + 1) & mask) {
      const h = this.slots[slot * 2];
      const l = this.slots[slot * 2 + 1];
      if (h === 0 && l === 0) return false;
      if (h === high && l === low) return true;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) {
      const high = old[i] ?? 0;
      const low = old[i + 1] ?? 0;
      if (high !== 0 || low !== 0) insert(this.slots, high, low);
    }
  }
}

function prefixOf(hex: string): [number, number] {
  const high = Number.parseInt(hex.slice(0, 8), 16);
  const low = Number.parseInt(hex.slice(8, 16), 16);
  if (!(high >= 0 && low >= 0) || hex.length < 16) throw new Error(`not a hex digest: ${JSON.stringify(hex.slice(0, 80))}`);
  return [high >>> 0, low >>> 0];
}

/** Inserts a non-zero prefix by linear probing; false when it was already there. */
function insert(slots: Uint32Array, high: number, low: number): boolean {
  const mask = slots.length / 2 - 1;
  for (let slot = low & mask; ; slot = (slot + 1) & mask) {
    const h = slots[slot * 2];
    const l = slots[slot * 2 + 1];
    if (h === high && l === low) return false;
    if (h === 0 && l === 0) {
      slots[slot * 2] = high;
      slots[slot * 2 + 1] = low;
      return true;
    }
  }
}
