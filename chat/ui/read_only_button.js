// A moderator's lock in the room header. The server sets its state as the page opens; after that the room's
// READ_ONLY and WRITABLE notices turn it here, live, in every moderator's tab (not only the one that clicked). A
// click asks for the state its label offers, so two moderators clicking at once agree rather than undo each other.
import { follow } from "chat-room-socket";

export default {
  props: { room: String, event: String, readOnly: Boolean },
  template: `<q-btn flat round dense color="white" :icon="locked ? 'lock' : 'lock_open'"
    :aria-label="locked ? 'Make this room writable again' : 'Make this room read-only'"
    @click="$emit('toggle', !locked)" />`,
  data() {
    return { locked: this.readOnly };
  },
  mounted() {
    this.detach = follow({
      [this.event]: (data) => {
        if (data.room !== this.room) return;
        for (const m of data.messages) {
          if (!m.notice || m.edited || m.deleted) continue;
          if (m.notice.kind === "read_only") this.locked = true;
          else if (m.notice.kind === "writable") this.locked = false;
        }
      },
    });
  },
  unmounted() {
    this.detach();
  },
};
