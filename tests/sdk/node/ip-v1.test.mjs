// ali-oss: IP endpoint, default region (Host rewritten to <bucket>.oss-cn-hangzhou.aliyuncs.com), V1 signatures.
import { defineSuite } from './suite.mjs';

defineSuite({ name: 'ip-v1', addressing: 'ip', auth: 'v1', sts: false });
