// The line under a room's input that says why this tab cannot post: this browser's person is muted (why, and until
// when, in the browser's time) or the room is read-only. The server sets it as the page opens; after that the room's
// notices change it here, live: a mute (or its lifting) counts if its target is this tab's person token, as a
// mention does.
import { follow } from "chat-room-socket";

const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

export default {
  props: { room: String, event: String, person: String, readOnly: Boolean, mute: Object, moderator: Boolean },
  template: `<div class="chat-restriction" role="status" aria-live="polite">{{ text }}</div>`,
  data() {
    return { locked: this.readOnly, muted: this.mute, now: Date.now() };
  },
  computed: {
    text() {
      if (this.muted && this.muted.until > this.now) {
        const where = this.muted.everywhere ? "everywhere" : "in this room";
        return `You are muted ${where} until ${clock(this.muted.until)}: ${this.muted.reason}`;
      }
      if (!this.locked) return "";
      return this.moderator
        ? "This room is read-only; as a moderator you can still post."
        : "This room is read-only: only moderators can post here.";
    },
  },
  mounted() {
    this.ends(this.muted);
    this.detach = follow({
      [this.event]: (data) => {
        if (data.room !== this.room) return;
        for (const m of data.messages) if (m.notice && !m.edited && !m.deleted) this.take(m.notice);
      },
    });
  },
  unmounted() {
    this.detach();
    clearTimeout(this.timer);
  },
  methods: {
    take(notice) {
      if (notice.kind === "read_only") this.locked = true;
      else if (notice.kind === "writable") this.locked = false;
      else if (notice.kind.startsWith("muted") && notice.target === this.person) {
        this.muted = { until: notice.until, reason: notice.reason, everywhere: notice.kind === "muted_everywhere" };
        this.ends(this.muted);
      } else if (notice.kind === "unmuted" && notice.target === this.person) this.muted = null;
    },
    ends(mute) {
      // the line goes when the mute ends: one timer in this browser, nothing on the server
      clearTimeout(this.timer);
      if (mute) this.timer = setTimeout(() => (this.now = Date.now()), Math.max(0, mute.until - Date.now()) + 100);
    },
  },
};
