interface HostMetadata {
  worker_name?: string;
}

export default {
  async fetch(request: Request, env: Env) {
    // Access via cf object
    const workerName = (request.cf?.hostMetadata as HostMetadata | undefined)?.worker_name;
    if (!workerName) {
      return new Response('This hostname is not routed to a worker', { status: 404 });
    }
    try {
      return await env.DISPATCHER.get(workerName).fetch(request);
    } catch (e) {
      if (e.message.startsWith('Worker not found')) {
        return new Response('Not found', { status: 404 });
      }
      return new Response(e.message, { status: 500 });
    }
  }
};
