// A runaway: burns CPU until its limit stops it.
export default { fetch() { for (;;) {} } };
