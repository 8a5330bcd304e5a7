export default {
  async fetch(request: Request, env: Env) {
    const workerName = new URL(request.url).hostname.split('.')[0];
    try {
      // The outbound worker sees customerId as env.customerId.
      const userWorker = env.DISPATCHER.get(workerName, {}, { outbound: { customerId: workerName } });
      return await userWorker.fetch(request);
    } catch (e) {
      if (e.message.startsWith('Worker not found')) {
        return new Response('Not found', { status: 404 });
      }
      return new Response(e.message, { status: 500 });
    }
  }
};
