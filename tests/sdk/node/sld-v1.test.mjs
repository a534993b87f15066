// ali-oss: http://localhost:PORT with sldEnable: true (path style), V1 signatures.
import { defineSuite } from './suite.mjs';

defineSuite({ name: 'sld-v1', addressing: 'sld', auth: 'v1', sts: false });
