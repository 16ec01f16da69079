// The header's bell (see mentions.py): the browser asks whether this site may notify only when it is clicked, never
// on load. It shows whether mentions will notify; a browser without notifications shows no bell.
const LABELS = {
  default: "Notify me of mentions",
  granted: "Mentions notify you while this tab is in the background",
  denied: "Notifications are blocked for this site (see the browser's site settings)",
};
const ICONS = { default: "notifications_none", granted: "notifications_active", denied: "notifications_off" };

export default {
  template: `
    <q-btn v-if="state in labels" flat round dense color="white" :icon="icons[state]" :aria-label="labels[state]"
      :title="labels[state]" :aria-pressed="String(state === 'granted')" @click="ask" />
  `,
  data() {
    return { state: window.Notification ? Notification.permission : "unsupported", labels: LABELS, icons: ICONS };
  },
  methods: {
    async ask() {
      if (this.state === "default") this.state = await Notification.requestPermission();
    },
  },
};
