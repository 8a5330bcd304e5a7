// A CPU-bound handler: build, serialize, parse and sort a few hundred JSON records.
export default {
  fetch(request) {
    const records = [];
    for (let i = 0; i < 300; i++) {
      records.push({
        id: i,
        name: `customer-${(i * 7919) % 1000}`,
        email: `user${i}@example.com`,
        score: (i * 2654435761) % 1000 / 10,
        tags: ["a", "b", "c"].slice(0, (i % 3) + 1),
        active: i % 2 === 0,
      });
    }
    const parsed = JSON.parse(JSON.stringify(records));
    parsed.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
    const top = parsed.slice(0, 10).map((r) => ({ id: r.id, name: r.name, score: r.score }));
    return new Response(JSON.stringify(top), { headers: { "content-type": "application/json" } });
  },
};
