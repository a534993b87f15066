// ali-oss: IP endpoint, default region (Host rewritten to <bucket>.oss-cn-hangzhou.aliyuncs.com), authorizationV4: true, stsToken.
import { defineSuite } from './suite.mjs';

defineSuite({ name: 'ip-sts-v4', addressing: 'ip', auth: 'v4', sts: true });
