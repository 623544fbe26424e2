// lab_worker.html's script: window.call(op, args) speaks to web/engine/worker.js.
import { connect } from '../../web/ui/rpc.js';
window.call = connect(new Worker('../../web/engine/worker.js', { type: 'module' }));
window.ready = true;
