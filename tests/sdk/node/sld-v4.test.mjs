// ali-oss: http://localhost:PORT with sldEnable: true (path style), authorizationV4: true.
import { defineSuite } from './suite.mjs';

defineSuite({ name: 'sld-v4', addressing: 'sld', auth: 'v4', sts: false });
