/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  testTimeout: 60000,
  // The examples import the package by its name, as a user's project does; in this repository
  // that name is the source (tsconfig.test.json maps it the same way for the type check).
  moduleNameMapper: {
    '^cdk-mta-sts$': '<rootDir>/lib/index.ts',
    '^cdk-mta-sts/core$': '<rootDir>/lib/core.ts',
  },
};
