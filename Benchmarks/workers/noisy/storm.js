// A runaway: fetches as fast as it can until the subrequest limit stops it (the egress guard
// refuses loopback, so no connection is ever made).
export default {
  async fetch() {
    let made = 0;
    try {
      for (;;) {
        await fetch("http://127.0.0.1:9/").catch((e) => {
          if (String(e.message).startsWith("Too many subrequests")) throw e;
        });
        made++;
      }
    } catch (e) {
      return new Response(`${made} subrequests: ${e.message}`, { status: 429 });
    }
  },
};
