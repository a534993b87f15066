// ali-oss: IP endpoint, default region (Host rewritten to <bucket>.oss-cn-hangzhou.aliyuncs.com), V1 signatures, stsToken.
import { defineSuite } from './suite.mjs';

defineSuite({ name: 'ip-sts', addressing: 'ip', auth: 'v1', sts: true });
