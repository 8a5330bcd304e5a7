interface Env {
  CUSTOMER: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/spin') {
      for (;;) {}  // over its CPU limit: the dispatcher's fetch() rejects
    }
    if (url.pathname === '/api') {
      // Goes to the outbound worker when the dispatcher has one.
      const answer = await fetch('https://api.example.com/v1/items');
      return new Response(await answer.text(), { status: answer.status });
    }
    if (url.pathname === '/storm') {
      // Twenty subrequests to an address the egress guard refuses: each still counts.
      let made = 0;
      for (let i = 0; i < 20; i++) {
        try {
          await fetch(`http://127.0.0.1:9/${i}`);
        } catch (e) {
          if (e.message.startsWith('Too many subrequests')) throw e;
        }
        made++;
      }
      return new Response(`made ${made} subrequests`);
    }
    return new Response(`Hello from ${env.CUSTOMER} at ${url.pathname}`);
  }
};
