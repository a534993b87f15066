// ali-oss: http://localhost:PORT with sldEnable: true (path style), authorizationV4: true, stsToken.
import { defineSuite } from './suite.mjs';

defineSuite({ name: 'sld-sts-v4', addressing: 'sld', auth: 'v4', sts: true });
