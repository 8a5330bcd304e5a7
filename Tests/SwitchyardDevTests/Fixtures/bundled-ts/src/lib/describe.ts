export type Part = { name: string; size: number };

export function describe(parts: Part[]): string {
  return parts.map((part: Part) => `${part.name}=${part.size}`).join(",");
}
