// "Blue Fox 42 is typing…", as this browser sees it: the server sends the line for each typist's own browser.
import { latestActivity } from "chat-room-socket";

export default {
  mixins: [latestActivity],
  props: { me: String },
  template: `<div>{{ shown.typing[me] ?? shown.typing[""] }}</div>`,
};
