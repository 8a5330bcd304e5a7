// A runaway: allocates until its memory limit stops it.
export default {
  fetch() {
    const hoard = [];
    for (;;) hoard.push(new Array(1 << 16).fill(hoard.length));
  },
};
