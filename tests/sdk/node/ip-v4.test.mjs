// ali-oss: IP endpoint, default region (Host rewritten to <bucket>.oss-cn-hangzhou.aliyuncs.com), authorizationV4: true.
import { defineSuite } from './suite.mjs';

defineSuite({ name: 'ip-v4', addressing: 'ip', auth: 'v4', sts: false });
