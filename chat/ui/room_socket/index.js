// Attaches a component's handlers to NiceGUI's Socket.IO connection, for the room events it follows.
// window.socket exists only once NiceGUI's root app is mounted, right after its children: a component
// mounted with the page waits one microtask; one mounted later finds the socket at once.
export function follow(handlers, onAttached) {
  let socket = null;
  let timer = null;
  const attach = () => {
    if (!window.socket) {
      timer = setTimeout(attach, 10);
      return;
    }
    socket = window.socket;
    for (const [event, handler] of Object.entries(handlers)) socket.on(event, handler);
    onAttached?.(socket);
  };
  queueMicrotask(attach);
  return () => {
    clearTimeout(timer);
    if (socket) for (const [event, handler] of Object.entries(handlers)) socket.off(event, handler);
  };
}

// The latest of the room's activity: a reply to this tab and a broadcast may cross, the higher number wins.
export const latestActivity = {
  props: { room: String, event: String, activity: Object },
  data() {
    return { shown: this.activity };
  },
  watch: {
    activity(now) {
      this.take(now);
    },
  },
  mounted() {
    this.detach = follow({
      [this.event]: (data) => {
        if (data.room === this.room) this.take(data);
      },
    });
  },
  unmounted() {
    this.detach();
  },
  methods: {
    take(activity) {
      if (activity.seq > this.shown.seq) this.shown = activity;
    },
  },
};
