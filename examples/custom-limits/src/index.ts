export default {
  async fetch(request: Request, env: Env) {
    const workerName = new URL(request.url).hostname.split('.')[0];
    const plan = request.headers.get('x-plan') ?? 'free';
    const limits = plan === 'free' ? { cpuMs: 200, subRequests: 5 } : { cpuMs: 5000, subRequests: 1000 };
    try {
      const userWorker = env.DISPATCHER.get(workerName, {}, { limits });
      return await userWorker.fetch(request);
    } catch (e) {
      if (e.message.startsWith('Worker not found')) {
        return new Response('Not found', { status: 404 });
      }
      if (e.message.includes('CPU time limit') || e.message.startsWith('Too many subrequests')) {
        return new Response(`Limit reached: ${e.message}`, { status: 429 });
      }
      return new Response(e.message, { status: 500 });
    }
  }
};
