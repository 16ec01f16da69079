// "3 here" in the header, kept up to date by the room's activity broadcast; the names menu is its slot.
import { latestActivity } from "chat-room-socket";

export default {
  mixins: [latestActivity],
  template: `<q-btn flat dense no-caps color="white" icon="group" :label="shown.here" :aria-label="shown.aria"><slot></slot></q-btn>`,
};
