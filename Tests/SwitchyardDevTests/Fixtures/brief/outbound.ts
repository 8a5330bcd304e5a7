export default {
  async fetch(request: Request, env: Env) {
    // Intercept all fetch() from user workers
    console.log('User fetch:', request.url);
    console.log('Customer:', env.customerId);

    // Forward, modify, or block
    return fetch(request);
  }
};
